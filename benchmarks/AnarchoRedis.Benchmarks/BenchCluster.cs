using System;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// Three fresh redis-servers with what the anti-entropy benchmark drives on them: an SDK client of all three nodes
/// (loads, passes), a second SDK client of nodes 0 and 1 only (makes keys divergent), and a probe (INFO, CPU).
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    public static readonly ReplicatedValueDescriptor<BenchValue> ValueDescriptor = new("bench.value", "v:{Id}");
    public static readonly ReplicatedListDescriptor<BenchValue> ListDescriptor = new("bench.list", "l:{Id}");

    private BenchCluster(RedisServers servers, RedisNodeProbe probe, AnarchoRedisClient client, AnarchoRedisClient partial, Workload workload, bool allocationProfile)
    {
        Profiler = allocationProfile ? new AllocationProfiler() : null;
        Servers = servers;
        Probe = probe;
        Client = client;
        Partial = partial;
        Workload = workload;
        Values = client.GetValueStore(ValueDescriptor);
        Lists = client.GetListStore(ListDescriptor);
        PartialValues = partial.GetValueStore(ValueDescriptor);
        PartialLists = partial.GetListStore(ListDescriptor);
        Runner = new AntiEntropyRunner(client, new ReplicatedTypeRegistry(ValueDescriptor, ListDescriptor));
    }

    public RedisServers Servers { get; }

    public RedisNodeProbe Probe { get; }

    public AnarchoRedisClient Client { get; }

    /// <summary>Knows only nodes 0 and 1: what it writes leaves node 2 stale.</summary>
    public AnarchoRedisClient Partial { get; }

    public Workload Workload { get; }

    public ReplicatedValueStore<BenchValue> Values { get; }

    public ReplicatedListStore<BenchValue> Lists { get; }

    public ReplicatedValueStore<BenchValue> PartialValues { get; }

    public ReplicatedListStore<BenchValue> PartialLists { get; }

    public AntiEntropyRunner Runner { get; }

    /// <summary>With --alloc-profile: samples allocations by type during each timed pass.</summary>
    public AllocationProfiler? Profiler { get; }

    public static async Task<BenchCluster> StartAsync(string redisPath, BenchArguments arguments, bool slotDigests)
    {
        var servers = await RedisServers.StartAsync(redisPath, 3);
        RedisNodeProbe? probe = null;
        AnarchoRedisClient? client = null;
        try
        {
            probe = await RedisNodeProbe.ConnectAsync(servers);
            client = await AnarchoRedisClient.ConnectAsync(Options(servers.EndPoints.ToList(), arguments, slotDigests));
            var partial = await AnarchoRedisClient.ConnectAsync(Options([servers.EndPoints[0], servers.EndPoints[1]], arguments, slotDigests));
            return new BenchCluster(servers, probe, client, partial, new Workload(1, arguments.ValueBytes), arguments.AllocationProfile);
        }
        catch
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            if (probe is not null)
            {
                await probe.DisposeAsync();
            }

            await servers.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Profiler?.Dispose();
        await Partial.DisposeAsync();
        await Client.DisposeAsync();
        await Probe.DisposeAsync();
        await Servers.DisposeAsync();
    }

    private static AnarchoRedisOptions Options(System.Collections.Generic.List<string> nodes, BenchArguments arguments, bool slotDigests) => new()
    {
        Nodes = nodes,
        NodeTimeout = TimeSpan.FromSeconds(arguments.TimeoutSeconds),
        SlotDigests = slotDigests,
        AntiEntropy = new AntiEntropyOptions
        {
            Enabled = false,
            MaxKeysPerSecond = 0,
            Concurrency = arguments.AntiEntropyConcurrency,
        },
    };
}

/// <summary>
/// The benchmark's keys: <c>v:{i}</c> values first, then <c>l:{i}</c> lists, and one fixed random order of all of
/// them (seeded: every run and both passes diverge the same keys; a smaller fraction's keys are a prefix of a larger's).
/// </summary>
internal sealed class BenchKeys
{
    private readonly string[] _keys;

    public BenchKeys(int count, double listFraction)
    {
        Lists = (int)Math.Round(count * listFraction, MidpointRounding.AwayFromZero);
        Values = count - Lists;
        _keys = new string[count];
        for (var i = 0; i < count; i++)
        {
            _keys[i] = i < Values
                ? string.Concat("v:", i.ToString(CultureInfo.InvariantCulture))
                : string.Concat("l:", (i - Values).ToString(CultureInfo.InvariantCulture));
        }

        Order = Enumerable.Range(0, count).ToArray();
        new Random(20261127).Shuffle(Order);
    }

    public int Count => _keys.Length;

    public int Values { get; }

    public int Lists { get; }

    public int[] Order { get; }

    public string this[int index] => _keys[index];

    public bool IsList(int index) => index >= Values;
}

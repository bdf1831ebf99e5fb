using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks;

/// <summary>
/// Scaling out (<c>--scale</c>, issue 17): the same SET and GET load on 3 standalone redis-servers and on 3 replicas
/// that are each a Redis Cluster of S shards (S from <c>--scale-shards</c>, default 1, 2, 3), all started at once and
/// measured in one run, in rotated order. Per setup: a plain StackExchange.Redis fan-out (SET/GET, 2 of 3; on clusters
/// one cluster-aware multiplexer per replica, routing by slot) and the SDK at W = R = 2; on the standalone nodes also
/// the SDK with coalescing off (<c>MaxBatchSize = 1</c>), which is what cluster nodes run today. Server CPU per row is
/// summed over every redis-server process of that setup (every shard of every replica), by pid.
/// </summary>
internal static class ScaleBench
{
    public static async Task<int> RunAsync(BenchArguments options, string redisPath, string[] args)
    {
        var loadBefore = Program.LoadAverage();
        var setups = new List<Setup>();
        try
        {
            foreach (var shards in options.ScaleShards.Prepend(0))
            {
                var setup = await Setup.StartAsync(redisPath, shards, options);
                setups.Add(setup);
                Console.Error.WriteLine($"Started {setup.Label}: {setup.Pids.Count} redis-servers (pids {string.Join(", ", setup.Pids)})");
            }

            // What the servers cost doing nothing (cron, cluster bus), since the idle setups run beside the measured one.
            var idle = await IdleCpuAsync(setups, TimeSpan.FromSeconds(3));
            var machine = MachineShare.Start(setups);
            var results = await RunCasesAsync(options, setups);
            var others = machine.OthersShare(setups);
            var report = Markdown(Describe(options, redisPath, args, setups, idle, others, loadBefore, Program.LoadAverage()), results, setups);
            Console.WriteLine(report);
            if (options.Out is { } path)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                await File.WriteAllTextAsync(path, report);
                Console.Error.WriteLine($"Written to {path}");
            }

            return results.Any(r => r.Result.Errors > 0) ? 1 : 0;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"The benchmark failed: {ex}");
            return 1;
        }
        finally
        {
            foreach (var setup in setups)
            {
                await setup.DisposeAsync();
            }
        }
    }

    private static async Task<List<Row>> RunCasesAsync(BenchArguments options, List<Setup> setups)
    {
        var workload = new Workload(options.Keys, options.ValueBytes);
        var payload = (RedisValue)workload.Payload;
        var value = workload.Value;
        var rows = new List<Row>();
        var cases = new List<Func<int, Task>>();
        const int n = 3, q = 2;

        void Measure<T>(Setup setup, string name, Func<int, ValueTask<T>> set, Func<int, ValueTask<T>> fill, Func<int, ValueTask> get, Func<Task> check)
        {
            var setResult = new CaseResult($"{setup.Label}: {name}", "SET");
            var getResult = new CaseResult($"{setup.Label}: {name}", "GET");
            rows.Add(new Row(setup, name, setResult));
            rows.Add(new Row(setup, name, getResult));
            cases.Add(async round =>
            {
                Console.Error.Write($"[round {round + 1}] {setup.Label}: {name}: SET…");
                await setup.Driver.RunAsync(setResult, set);
                Console.Error.Write($" {setResult.OpsPerSecond:N0}/s; fill…");
                await setup.Driver.FillAsync(fill);
                await check();
                Console.Error.Write(" GET…");
                await setup.Driver.RunAsync(getResult, async k =>
                {
                    await get(k).ConfigureAwait(false);
                    return true;
                });
                Console.Error.WriteLine($" {getResult.OpsPerSecond:N0}/s (cumulative)");
            });
        }

        foreach (var setup in setups)
        {
            if (options.Runs("plain"))
            {
                var keys = workload.Keys("plain:").Select(k => (RedisKey)k).ToArray();
                var db = setup.Raw.Select(m => m.GetDatabase()).ToArray();
                ValueTask<bool> Fan<TState>(TState state, Func<IDatabase, TState, Task> send)
                {
                    var quorum = Quorum.Of(q, n);
                    foreach (var node in db)
                    {
                        quorum.Add(send(node, state));
                    }

                    return new ValueTask<bool>(quorum.Outcome);
                }

                ValueTask<bool> Set(int k) => Fan(keys[k], (node, key) => node.StringSetAsync(key, payload));
                Measure(
                    setup,
                    $"plain SE.Redis fan-out, {q} of {n}",
                    Set,
                    Set,
                    async k => await Fan(keys[k], static (node, key) => node.StringGetAsync(key)).ConfigureAwait(false),
                    async () =>
                    {
                        foreach (var node in db)
                        {
                            Program.Require((await node.StringGetAsync(keys[0])).HasValue, $"{setup.Label}: plain: a replica lacks the first key after the fill");
                        }
                    });
            }

            foreach (var (name, selector, store, prefix) in new (string, string, ReplicatedValueStore<BenchValue>?, string)[]
            {
                ($"SDK, W=R={q} of {n}" + (setup.Shards == 0 ? " (coalesced, the default)" : " (not coalesced: off on cluster nodes)"), "sdk", setup.Values, "sdk:"),
                ($"SDK, W=R={q} of {n}, not coalesced (MaxBatchSize = 1)", "sdk-nobatch", setup.NoBatchValues, "sdknb:"),
            })
            {
                if (store is null || !options.Runs(selector))
                {
                    continue;
                }

                var keys = workload.Keys(prefix);
                Measure(
                    setup,
                    name,
                    k => store.SetAsync(keys[k], value, WriteOptions.Quorum),
                    k => store.SetAsync(keys[k], value, WriteOptions.All),
                    async k => await store.GetAsync(keys[k], ReadOptions.Quorum).ConfigureAwait(false),
                    async () =>
                    {
                        Program.Require(await store.GetAsync(keys[0], ReadOptions.All) is { Id: 4242 }, $"{setup.Label}: {selector}: the value read back differs");
                        var unhealthy = setup.Client.Health.Where(h => h.State != NodeHealthState.Healthy).ToArray();
                        Program.Require(unhealthy.Length == 0, $"{setup.Label}: {selector}: not every replica is healthy: {string.Join("; ", unhealthy.Select(h => h.ToString()))}");
                    });
            }
        }

        // Round r starts at case r (mod count): no case always runs first or last while other load comes and goes.
        for (var round = 0; round < options.Rounds; round++)
        {
            for (var i = 0; i < cases.Count; i++)
            {
                await cases[(i + round) % cases.Count](round);
            }
        }

        return rows;
    }

    /// <summary>CPU seconds per second of all the setups' servers while nothing is sent, per setup.</summary>
    private static async Task<List<(string Label, double MsPerSecond)>> IdleCpuAsync(List<Setup> setups, TimeSpan window)
    {
        var before = setups.Select(s => s.ServerCpu()).ToArray();
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        var elapsed = watch.Elapsed;
        return [.. setups.Select((s, i) => (s.Label, (s.ServerCpu() - before[i]).TotalMilliseconds / elapsed.TotalSeconds))];
    }

    private static string Markdown(IReadOnlyList<(string Name, string Value)> environment, List<Row> rows, List<Setup> setups)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("### Environment").AppendLine();
        foreach (var (name, value) in environment)
        {
            text.AppendLine(inv, $"- {name}: {value}");
        }

        text.AppendLine().AppendLine("### Results").AppendLine();
        text.AppendLine("| setup | case | op | ops/s | p50 µs | p99 µs | alloc B/op | client CPU µs/op | servers' CPU µs/op | CPU µs/op in all | EVALSHA/op | errors |");
        text.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            var r = row.Result;
            var calls = r.ScriptCalls == 0 ? "-" : r.ScriptCallsPerOp.ToString("N2", inv);
            text.AppendLine(inv, $"| {row.Setup.Label} | {row.Case} | {r.Operation} | {r.OpsPerSecond:N0} | {r.P50Us:N0} | {r.P99Us:N0} | {r.AllocatedBytesPerOp:N0} | {r.ClientCpuUsPerOp:N1} | {r.ServerCpuUsPerOp:N1} | {r.ClientCpuUsPerOp + r.ServerCpuUsPerOp:N1} | {calls} | {r.Errors} |");
        }

        // Each setup against the standalone nodes, case by case: throughput, and CPU per operation in all.
        var baseline = setups[0];
        var ratios = new List<string>();
        foreach (var row in rows.Where(r => r.Setup != baseline))
        {
            var b = rows.FirstOrDefault(r => r.Setup == baseline && r.Result.Operation == row.Result.Operation && SameCase(r.Case, row.Case));
            if (b is not null && b.Result.OpsPerSecond > 0)
            {
                var a = row.Result;
                ratios.Add(string.Create(inv, $"| {row.Setup.Label} | {row.Case} | {a.Operation} | {a.OpsPerSecond / b.Result.OpsPerSecond:0.00}x | {(a.ClientCpuUsPerOp + a.ServerCpuUsPerOp) / Math.Max(0.001, b.Result.ClientCpuUsPerOp + b.Result.ServerCpuUsPerOp):0.00}x |"));
            }
        }

        if (ratios.Count > 0)
        {
            text.AppendLine().AppendLine(inv, $"Against {baseline.Label}, same case (the cluster SDK rows against the standalone SDK row that is not coalesced):").AppendLine();
            text.AppendLine("| setup | case | op | ops/s | CPU µs/op in all |").AppendLine("|---|---|---|---:|---:|");
            foreach (var line in ratios)
            {
                text.AppendLine(line);
            }
        }

        return text.ToString();
    }

    /// <summary>A cluster's SDK row compares with the standalone row that runs as it does: not coalesced.</summary>
    private static bool SameCase(string standalone, string other) =>
        other.StartsWith("SDK", StringComparison.Ordinal)
            ? standalone.Contains("MaxBatchSize = 1", StringComparison.Ordinal)
            : standalone == other;

    private static IReadOnlyList<(string Name, string Value)> Describe(BenchArguments options, string redisPath, string[] args, List<Setup> setups, List<(string Label, double MsPerSecond)> idle, double? others, string loadBefore, string loadAfter)
    {
        var inv = CultureInfo.InvariantCulture;
        var servers = setups.Sum(s => s.Pids.Count);
        return
        [
            ("Finished (UTC)", DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm", inv)),
            ("Machine", $"{Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}; the driver and all {servers} redis-servers of the {setups.Count} setups share these cores, as do other users' builds (1-min load average {loadBefore} at start, {loadAfter} at end)"),
            (".NET", $"{RuntimeInformation.FrameworkDescription}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC"),
            ("Redis", RedisServers.Version(redisPath) + ", `--save '' --appendonly no`, loopback, no proxies; clusters: primaries only, slots split evenly"),
            ("Setups", string.Join("; ", setups.Select(s => $"{s.Label}: {s.Pids.Count} servers"))),
            ("Other users' CPU during the run", others is { } share ? string.Create(inv, $"{share:P0} of the machine's 2 cores (all CPU time in /proc/stat minus this driver's and its servers')") : "unknown"),
            ("Idle servers' CPU before the load (ms per s)", string.Join("; ", idle.Select(i => string.Create(inv, $"{i.Label} {i.MsPerSecond:0.0}")))),
            ("SDK options", "defaults but NodeTimeout = --timeout and anti-entropy off (no pass starts during a row)"),
            ("Load", $"{options.InFlight} operations in flight (closed loop), {options.Keys:N0} keys per case chosen uniformly at random, {options.Warmup.TotalSeconds:0.#} s warmup + {options.Duration.TotalSeconds:0.#} s measured per row{(options.Rounds > 1 ? $" and round, {options.Rounds} rounds (rotated order), figures summed over rounds" : string.Empty)}"),
            ("Command", "dotnet run -c Release --project benchmarks/AnarchoRedis.Benchmarks --" + (args.Length == 0 ? string.Empty : " " + string.Join(' ', args))),
        ];
    }

    /// <summary>
    /// The share of the machine's CPU that others used during the run: all busy time in /proc/stat minus this process's
    /// and its servers' CPU time, over the elapsed time x cores (Linux; USER_HZ = 100).
    /// </summary>
    private sealed class MachineShare
    {
        private readonly long _busyTicks;
        private readonly TimeSpan _own;
        private readonly long _start = Stopwatch.GetTimestamp();

        private MachineShare(long busyTicks, TimeSpan own)
        {
            _busyTicks = busyTicks;
            _own = own;
        }

        public static MachineShare Start(List<Setup> setups) => new(BusyTicks() ?? -1, Own(setups));

        public double? OthersShare(List<Setup> setups)
        {
            if (BusyTicks() is not { } busy || _busyTicks < 0)
            {
                return null;
            }

            var others = ((busy - _busyTicks) / 100.0) - (Own(setups) - _own).TotalSeconds;
            return Math.Max(0, others) / (Stopwatch.GetElapsedTime(_start).TotalSeconds * Environment.ProcessorCount);
        }

        private static TimeSpan Own(List<Setup> setups)
        {
            using var self = Process.GetCurrentProcess();
            return setups.Aggregate(self.TotalProcessorTime, (sum, s) => sum + s.ServerCpu());
        }

        /// <summary>user + nice + system + irq + softirq + steal of the first line of /proc/stat, in ticks.</summary>
        private static long? BusyTicks()
        {
            try
            {
                var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                long Field(int i) => fields.Length > i ? long.Parse(fields[i], CultureInfo.InvariantCulture) : 0;
                return Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    private sealed record Row(Setup Setup, string Case, CaseResult Result);

    /// <summary>One setup: its servers, the plain fan-out's multiplexers (one per replica), the SDK clients, a driver.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private static readonly ReplicatedValueDescriptor<BenchValue> Descriptor = new("bench.value", "sdk:{Id}");
        private readonly AnarchoRedisClient? _noBatch;

        private Setup(int shards, RedisServers servers, ConnectionMultiplexer[] raw, AnarchoRedisClient client, AnarchoRedisClient? noBatch, BenchArguments options)
        {
            Shards = shards;
            Servers = servers;
            Raw = raw;
            Client = client;
            _noBatch = noBatch;
            Values = client.GetValueStore(Descriptor);
            NoBatchValues = noBatch?.GetValueStore(Descriptor);
            Pids = servers.ProcessIds;
            Label = shards == 0 ? "standalone x 3" : string.Create(CultureInfo.InvariantCulture, $"3 clusters x {shards} shard{(shards == 1 ? string.Empty : "s")}");
            Driver = new LoadDriver(options.InFlight, options.Warmup, options.Duration, options.Keys, Pids, scriptStats: ScriptStatsAsync);
        }

        /// <summary>0: standalone nodes; else the shards per replica.</summary>
        public int Shards { get; }

        public string Label { get; }

        public RedisServers Servers { get; }

        public IReadOnlyList<int> Pids { get; }

        public ConnectionMultiplexer[] Raw { get; }

        public AnarchoRedisClient Client { get; }

        public ReplicatedValueStore<BenchValue> Values { get; }

        /// <summary>Standalone only: the SDK with <c>MaxBatchSize = 1</c> (cluster nodes are not coalesced anyway).</summary>
        public ReplicatedValueStore<BenchValue>? NoBatchValues { get; }

        public LoadDriver Driver { get; }

        public static async Task<Setup> StartAsync(string redisPath, int shards, BenchArguments options)
        {
            var servers = await RedisServers.StartAsync(redisPath, 3, shards);
            var raw = new List<ConnectionMultiplexer>();
            AnarchoRedisClient? client = null;
            try
            {
                foreach (var endPoint in servers.EndPoints)
                {
                    // A replica's seeds, comma-joined: StackExchange.Redis finds the cluster and routes each key by slot.
                    raw.Add(await ConnectionMultiplexer.ConnectAsync(Program.NodeConfiguration(endPoint, options)));
                }

                void Configure(AnarchoRedisOptions o)
                {
                    o.NodeTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
                    o.AntiEntropy.Enabled = false;
                }

                client = await AnarchoRedisClient.ConnectAsync(servers.CreateOptions(Configure));
                var noBatch = shards == 0
                    ? await AnarchoRedisClient.ConnectAsync(servers.CreateOptions(o =>
                    {
                        Configure(o);
                        o.MaxBatchSize = 1;
                    }))
                    : null;
                return new Setup(shards, servers, [.. raw], client, noBatch, options);
            }
            catch
            {
                if (client is not null)
                {
                    await client.DisposeAsync();
                }

                foreach (var connection in raw)
                {
                    connection.Dispose();
                }

                await servers.DisposeAsync();
                throw;
            }
        }

        /// <summary>CPU time of every server of this setup (from /proc by pid).</summary>
        public TimeSpan ServerCpu()
        {
            var total = TimeSpan.Zero;
            foreach (var pid in Pids)
            {
                using var server = Process.GetProcessById(pid);
                total += server.TotalProcessorTime;
            }

            return total;
        }

        public async ValueTask DisposeAsync()
        {
            if (_noBatch is not null)
            {
                await _noBatch.DisposeAsync();
            }

            await Client.DisposeAsync();
            foreach (var connection in Raw)
            {
                await connection.CloseAsync(allowCommandsToComplete: false);
                connection.Dispose();
            }

            await Servers.DisposeAsync();
        }

        /// <summary>EVALSHA calls and their µs over every server of the setup (INFO commandstats per server).</summary>
        private async Task<(long Calls, long Usec)> ScriptStatsAsync()
        {
            long calls = 0, usec = 0;
            foreach (var server in Servers.ServerHandles)
            {
                var (c, u) = Program.CommandStats(await server.InfoRawAsync("commandstats") ?? string.Empty, "evalsha");
                calls += c;
                usec += u;
            }

            return (calls, usec);
        }
    }
}

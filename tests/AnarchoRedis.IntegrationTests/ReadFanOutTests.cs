using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using AnarchoRedis.Testing;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests;

/// <summary>
/// Reads sent to R nodes only (<see cref="ReadFanOut.Required"/>): they cost R node calls, spread over the healthy nodes,
/// still see the latest acknowledged write, replace a node whose answer cannot count, and hedge past a silent node.
/// </summary>
public sealed class ReadFanOutTests
{
    private static readonly ReadOptions Targeted = new() { Consistency = Consistency.Quorum, FanOut = ReadFanOut.Required };

    private static void NoHints(AnarchoRedisOptions options) => options.Hints.Enabled = false;

    /// <summary>
    /// For tests that count node calls: no hints, no hedge on a slow first (JIT-compiling) read, no background probe
    /// while they count (its epoch check is a script call too), and no coalescing (a read's third call, still on its way
    /// when the read returned at R = 2, may go to the node in one call with the next read's).
    /// </summary>
    private static void NoHintsNoHedge(AnarchoRedisOptions options)
    {
        NoHints(options);
        options.NodeTimeout = TimeSpan.FromSeconds(10);
        options.HedgeDelay = TimeSpan.FromSeconds(5);
        options.Health.ProbeInterval = TimeSpan.FromHours(1);
        options.MaxBatchSize = 1;
    }

    [Fact]
    public async Task Targeted_quorum_reads_call_two_of_three_nodes_and_spread_evenly()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHintsNoHedge);
        var store = client.GetValueStore(Profile.Descriptor);
        var profile = new Profile { Id = 1, Name = "Ada", Age = 36 };
        await store.SetAsync("profile:spread", profile, WriteOptions.All);

        await cluster.ResetStatsAsync();
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(profile, await store.GetAsync("profile:spread", Targeted));
        }

        var calls = await ScriptCallsAsync(cluster);
        Assert.Equal(60, calls.Sum());
        Assert.All(calls, c => Assert.Equal(20, c));

        // The default still asks every node.
        await cluster.ResetStatsAsync();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(profile, await store.GetAsync("profile:spread", ReadOptions.Quorum));
        }

        // A read returns at R = 2: the third node's call may still be on its way when the read returns.
        await Eventually.HoldsAsync(async () => (await ScriptCallsAsync(cluster)).Sum() == 30, "every node ran each of the 10 reads' scripts");
        Assert.Equal(30, (await ScriptCallsAsync(cluster)).Sum());
    }

    [Fact]
    public async Task Targeted_reads_return_the_latest_acknowledged_write_with_one_stale_node_and_repair_it_when_they_read_it()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:stale-targeted";
        await store.SetAsync(key, new Profile { Id = 1, Name = "old" }, WriteOptions.All);

        // Node 2 misses the overwrite (made by a client cut off from it) and keeps the old version. (A node that
        // restarted would be filling, and targeted reads would not ask it: NodeHealthTests.)
        var newer = new Profile { Id = 1, Name = "new" };
        var partial = (await cluster.CreateClientAsync(NoHints, nodes: [0, 1])).GetValueStore(Profile.Descriptor);
        await partial.GetAsync(key, ReadOptions.All);
        var written = await partial.SetAsync(key, newer, WriteOptions.All);
        Assert.Equal(2, written.Acknowledged);
        Assert.NotEqual(written.Version.ToString(), await cluster.VersionAsync(2, key));

        // Every pair of nodes holds the new version at least once (R + W > N), whichever pair a read asks.
        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(newer, await store.GetAsync(key, Targeted));
        }

        // Reads rotate over the nodes, so some asked node 2, and their blocking repair brought it up to date.
        Assert.Equal(written.Version.ToString(), await cluster.VersionAsync(2, key));
        Assert.Equal(await cluster.DataAsync(0, key), await cluster.DataAsync(2, key));
    }

    [Fact]
    public async Task Targeted_read_asks_another_node_when_one_answer_cannot_count()
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var meters = new TestMeterFactory();
        using var hedges = new HedgeRecorder(meters);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHintsNoHedge), meterFactory: meters);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:bad-on-one";
        var profile = new Profile { Id = 4, Name = "Hopper" };
        await store.SetAsync(key, profile, WriteOptions.All);

        // Node 0's meta key gets the wrong Redis type: its reads fail with a typed node error and do not count.
        await cluster[0].Db.KeyDeleteAsync(RedisCluster.MetaKeyOf(key));
        await cluster[0].Db.StringSetAsync(RedisCluster.MetaKeyOf(key), "not a hash");

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(profile, await store.GetAsync(key, Targeted));
        }

        // Two of the three rotating pairs include node 0; each of those reads replaced it with the third node.
        Assert.Equal(4, hedges.Count("replaced"));
        Assert.Equal(0, hedges.Count("delay"));
    }

    [Fact]
    public async Task Targeted_read_hedges_past_a_paused_node_long_before_its_timeout()
    {
        await using var cluster = await RedisCluster.StartAsync();
        using var meters = new TestMeterFactory();
        using var hedges = new HedgeRecorder(meters);
        var options = cluster.CreateOptions(o =>
        {
            NoHints(o);
            o.NodeTimeout = TimeSpan.FromSeconds(10);
            o.HedgeDelay = TimeSpan.FromMilliseconds(50);
        });
        await using var client = await AnarchoRedisClient.ConnectAsync(options, meterFactory: meters);
        var values = client.GetValueStore(Profile.Descriptor);
        var lists = client.GetListStore(ChatMessage.Descriptor);
        var profile = new Profile { Id = 5, Name = "Liskov" };
        await values.SetAsync("profile:paused", profile, WriteOptions.All);
        await lists.PushRightAsync("chat:paused", ChatMessage.Of("hello"), WriteOptions.All);

        cluster[1].Pause();
        try
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(profile, await values.GetAsync("profile:paused", Targeted));
                Assert.Equal(["hello"], (await lists.RangeAsync("chat:paused", 0, -1, Targeted)).Select(m => m.Text));
            }

            // Hang guard only: without hedging, the reads that asked node 1 would wait for its 10 s timeout.
            Assert.True(watch.Elapsed < options.NodeTimeout, $"6 reads took {watch.Elapsed}");
            Assert.True(hedges.Count("delay") >= 1, "a read asked the third node after the hedge delay");
        }
        finally
        {
            cluster[1].Resume();
        }
    }

    /// <summary>
    /// Scripts run per node since the last reset: EVALSHA calls less the failed ones (a node's first read of a script
    /// gets NOSCRIPT and is sent again after loading it). The prober's epoch check is a script too: NoHintsNoHedge
    /// keeps it out of the count.
    /// </summary>
    private static async Task<long[]> ScriptCallsAsync(RedisCluster cluster)
    {
        var calls = new long[cluster.Nodes.Count];
        for (var i = 0; i < calls.Length; i++)
        {
            var evalsha = (await cluster.CommandStatsAsync(i)).GetValueOrDefault("evalsha");
            calls[i] = evalsha.Calls - evalsha.Failed;
        }

        return calls;
    }

    /// <summary>Listens to <c>anarchoredis.read.hedges</c> of one client (its own meter factory).</summary>
    private sealed class HedgeRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

        public HedgeRecorder(IMeterFactory scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "anarchoredis.read.hedges" && ReferenceEquals(instrument.Meter.Scope, scope))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "reason" && tag.Value is string reason)
                    {
                        _counts.AddOrUpdate(reason, value, (_, old) => old + value);
                    }
                }
            });
            _listener.Start();
        }

        public long Count(string reason) => _counts.GetValueOrDefault(reason);

        public void Dispose() => _listener.Dispose();
    }
}

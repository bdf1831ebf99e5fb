using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>
/// What a list write costs on the nodes, counted by Redis itself (<c>INFO commandstats</c> after <c>CONFIG RESETSTAT</c>):
/// the post-write check of an in-sync write rides on the write's own reply, with no further script call or list read;
/// a diverged node makes the next write read the full lists and repair.
/// </summary>
/// <remarks>
/// Commands that a script runs (<c>redis.call</c>) are counted in commandstats too, so <c>cmdstat_lrange</c> counts both
/// an LRANGE from a client and one inside a script: a left push onto an in-sync list needs neither.
/// </remarks>
public sealed class ListRoundTripCostTests(ITestOutputHelper output)
{
    private const int Pushes = 20;

    [Fact]
    public async Task In_sync_pushes_cost_one_script_call_per_node_each_and_no_list_read()
    {
        await using var cluster = await RedisCluster.StartAsync();

        // The health probe reads each node's epoch with a script too (epoch_check.lua): none runs while this test counts.
        var client = await cluster.CreateClientAsync(o => o.Health.ProbeInterval = TimeSpan.FromMinutes(10));
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:cost-in-sync";
        await cluster.ResetStatsAsync();

        for (var i = 0; i < Pushes; i++)
        {
            var pushed = await store.PushLeftAsync(key, ChatMessage.Of($"m{i}"), WriteOptions.All);
            Assert.Equal(3, pushed.Acknowledged);
            Assert.Equal(i + 1, pushed.Length);
        }

        for (var node = 0; node < cluster.Nodes.Count; node++)
        {
            var stats = await cluster.CommandStatsAsync(node);
            output.WriteLine($"node {node}: {Describe(stats)}");
            var evalsha = stats.GetValueOrDefault("evalsha");
            var loads = stats.GetValueOrDefault("script|load");

            // The first EVALSHA on a fresh node may fail with NOSCRIPT: then exactly one SCRIPT LOAD and a retry.
            var unsuccessful = evalsha.Failed + evalsha.Rejected;
            Assert.True(unsuccessful <= 1, $"node {node}: {unsuccessful} unsuccessful EVALSHA calls ({Describe(stats)})");
            Assert.Equal(unsuccessful, loads.Calls);
            Assert.True(evalsha.Calls - evalsha.Failed - evalsha.Rejected == Pushes, $"node {node}: expected exactly {Pushes} successful EVALSHA calls (one list_push each), got {Describe(stats)}");
            Assert.Equal(0, stats.GetValueOrDefault("eval").Calls);

            // No list read at all: no LRANGE (client or script), no LINSERT (no slow-path insert).
            Assert.Equal(0, stats.GetValueOrDefault("lrange").Calls);
            Assert.Equal(0, stats.GetValueOrDefault("linsert").Calls);

            // Each push is one LPUSH per node inside list_push.lua.
            Assert.Equal(Pushes, stats.GetValueOrDefault("lpush").Calls);
        }

        Assert.True(await cluster.ConvergedAsync(key, Pushes));
    }

    [Fact]
    public async Task A_push_onto_a_diverged_node_reads_the_full_lists_and_repairs_it()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:cost-diverged";
        for (var i = 0; i < 5; i++)
        {
            await store.PushLeftAsync(key, ChatMessage.Of($"m{i}"), WriteOptions.All);
        }

        Assert.True(await cluster.ConvergedAsync(key, 5));

        // Node 2 loses its oldest element behind AnarchoRedis' back (its meta still says 5 elements).
        Assert.False((await cluster[2].Db.ListRightPopAsync(key)).IsNull);
        Assert.Equal(4, (await cluster.RawAsync(2, key)).Length);
        await cluster.ResetStatsAsync();

        var pushed = await store.PushLeftAsync(key, ChatMessage.Of("after"), WriteOptions.All);
        Assert.Equal(3, pushed.Acknowledged);
        Assert.Equal(6, pushed.Length);

        var stats = new Dictionary<string, CommandStat>[cluster.Nodes.Count];
        for (var node = 0; node < stats.Length; node++)
        {
            stats[node] = await cluster.CommandStatsAsync(node);
            output.WriteLine($"node {node}: {Describe(stats[node])}");
        }

        // Every node: the push and the full read of the merge (list_read.lua, which runs LRANGE); the diverged node
        // also the repair write (list_replace.lua). list_read and list_replace run here for the first time, so each may
        // add one NOSCRIPT + SCRIPT LOAD; only successful EVALSHA calls are counted.
        for (var node = 0; node < stats.Length; node++)
        {
            var evalsha = stats[node].GetValueOrDefault("evalsha");
            Assert.True(evalsha.Calls - evalsha.Failed - evalsha.Rejected >= 2, $"node {node}: expected the push and a full read, got {Describe(stats[node])}");
            Assert.True(stats[node].GetValueOrDefault("lrange").Calls >= 1, $"node {node}: expected a full list read, got {Describe(stats[node])}");
        }

        var diverged = stats[2].GetValueOrDefault("evalsha");
        Assert.True(diverged.Calls - diverged.Failed - diverged.Rejected >= 3, $"node 2: expected push, full read and repair, got {Describe(stats[2])}");
        Assert.True(stats.Sum(s => s.GetValueOrDefault("evalsha").Calls) > 3, "the diverged push cost no more than an in-sync one");

        // Repaired before the push returned: all nodes byte-identical, the popped element back in place.
        Assert.True(await cluster.ConvergedAsync(key, 6));
        var texts = (await store.RangeAsync(key, options: ReadOptions.All)).Select(m => m.Text).ToArray();
        Assert.Equal(["after", "m4", "m3", "m2", "m1", "m0"], texts);
        var node0 = await cluster.RawAsync(0, key);
        Assert.Equal(node0, await cluster.RawAsync(1, key));
        Assert.Equal(node0, await cluster.RawAsync(2, key));
    }

    private static string Describe(Dictionary<string, CommandStat> stats) =>
        string.Join(", ", stats.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value.Calls}(failed {s.Value.Failed})"));
}

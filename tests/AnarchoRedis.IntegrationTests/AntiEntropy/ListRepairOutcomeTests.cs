using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using Xunit;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// A list repair writes the merge to a node that changed since it was read by merging with what the node holds now
/// (list_replace's union): it is never given up ("superseded") any more, so a busy list is healed by one pass, and a
/// hint replay of it lands. (Before, a pass met a superseded repair on a list written to without pause every time, was
/// never clean, and never set a refilling node ready: found by the Jepsen queue workload.)
/// </summary>
public sealed class ListRepairOutcomeTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(ChatMessage.Descriptor);

    [Fact]
    public async Task A_pass_repairs_a_list_that_takes_pushes_without_pause_and_loses_none_of_them()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var logs = new LogRecorder();
        await using var client = await AnarchoRedisClient.ConnectAsync(
            cluster.CreateOptions(o =>
            {
                o.AntiEntropy.MaxKeysPerSecond = 0;
                o.Hints.Enabled = false;
            }),
            loggerFactory: logs);
        const string key = "chat:repair-race";

        // Nodes 0 and 1 hold the list; node 2 gets pushes of its own, without pause, from a client that knows only it.
        var both = (await cluster.CreateClientAsync(o => o.Hints.Enabled = false, nodes: [0, 1])).GetListStore(ChatMessage.Descriptor);
        await both.PushRightAsync(key, Enumerable.Range(0, 200).Select(i => ChatMessage.Of($"m{i}")), WriteOptions.All);
        var nodeTwo = (await cluster.CreateClientAsync(o => o.Hints.Enabled = false, nodes: [2])).GetListStore(ChatMessage.Descriptor);
        using var stop = new CancellationTokenSource();
        var pushed = 0;
        var pusher = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await nodeTwo.PushRightAsync(key, ChatMessage.Of($"n{i}"), WriteOptions.One);
                pushed = i + 1;
            }
        });

        var runner = new AntiEntropyRunner(client, Registry);
        try
        {
            for (var pass = 0; pass < 5; pass++)
            {
                logs.Clear();
                var report = await runner.RunPassAsync();
                Assert.True(report.IsClean, report.ToString());
                Assert.DoesNotContain(logs.Of(404), m => m.Contains(key, StringComparison.Ordinal) && m.EndsWith("Superseded", StringComparison.Ordinal));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await pusher;
        }

        // Once the pushes stop, one more pass leaves every node holding the 200 and every push node 2 took.
        Assert.True((await runner.RunPassAsync()).IsClean);
        var expected = Enumerable.Range(0, 200).Select(i => $"m{i}").Concat(Enumerable.Range(0, pushed).Select(i => $"n{i}")).Order().ToArray();
        foreach (var node in Enumerable.Range(0, 3))
        {
            var held = (await cluster[node].Db.ListRangeAsync(key)).Length;
            Assert.Equal(expected.Length, held);
        }

        var all = await client.GetListStore(ChatMessage.Descriptor).RangeAsync(key, 0, -1, ReadOptions.All);
        Assert.Equal(expected, all.Select(m => m.Text).Order().ToArray());
    }

    /// <summary>
    /// Hint replay repairs through the same key repair: a list replay onto a node whose copy is not what the replay read
    /// (here its count spelled "02", as when a write lands between the replay's read and its replace) merges with it, so
    /// the node gets the push it missed and the hint is done. (It stayed pending for ever while such a replace was
    /// given up as superseded.)
    /// </summary>
    [Fact]
    public async Task A_hint_whose_list_replay_meets_a_changed_copy_merges_with_it_and_is_done()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.Hints.ReplayInterval = TimeSpan.FromHours(1));
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:{superseded-hint}";
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);

        await cluster[2].Db.HashSetAsync(RedisCluster.MetaKeyOf(key), "c", "02");
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        await store.PushRightAsync(key, ChatMessage.Of("c"), WriteOptions.Quorum);
        var node2 = cluster[2].EndPoint;
        await Eventually.HoldsAsync(() => Task.FromResult(client.PendingHints[node2] == 1), "node 2 has a hint for the list");
        await cluster[2].RestartAsync(Testing.RestartMode.KeepData);

        await Eventually.HoldsAsync(
            async () =>
            {
                var report = await client.ReplayHintsAsync();
                return report.UnreachableNodes.Count == 0 && client.PendingHints[node2] == 0;
            },
            "a replay reaches node 2 and is done");

        Assert.Equal(3, await cluster[2].Db.ListLengthAsync(key));
        Assert.Equal("3", (await cluster.MetaAsync(2, key))["c"]);
    }
}

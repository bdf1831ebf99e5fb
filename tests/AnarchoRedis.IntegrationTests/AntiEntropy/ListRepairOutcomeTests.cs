using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using Xunit;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// A list repair is conditional on what the node held when it was read; when the node changed meanwhile the repair is
/// not written ("superseded"), and the node is not healed: a pass must not count that as done (a clean pass is what
/// sets a refilling node ready).
/// </summary>
public sealed class ListRepairOutcomeTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(ChatMessage.Descriptor);

    [Fact]
    public async Task A_pass_whose_list_repair_lost_to_a_concurrent_push_is_not_clean()
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
        var pusher = Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                await nodeTwo.PushRightAsync(key, ChatMessage.Of($"n{i}"), WriteOptions.One);
            }
        });

        try
        {
            var runner = new AntiEntropyRunner(client, Registry);
            for (var pass = 0; pass < 40; pass++)
            {
                logs.Clear();
                var report = await runner.RunPassAsync();
                var superseded = logs.Of(404).Any(m => m.Contains(key, StringComparison.Ordinal) && m.EndsWith("Superseded", StringComparison.Ordinal));
                if (superseded)
                {
                    Assert.False(report.IsClean, report.ToString());
                    return;
                }
            }

            Assert.Fail("no pass met a superseded list repair in 40 tries");
        }
        finally
        {
            await stop.CancelAsync();
            await pusher;
        }
    }

    /// <summary>
    /// Hint replay repairs through the same key repair: a list replay that is superseded leaves the node unhealed, so
    /// its hint stays pending (it was dropped while the replay counted a superseded replace as done). Ported from the
    /// helper branch fix-reads (9740baa).
    /// </summary>
    [Fact]
    public async Task A_hint_whose_list_replay_was_superseded_stays_pending()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.Hints.ReplayInterval = TimeSpan.FromHours(1));
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:{superseded-hint}";
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);

        // Node 2 comes back from a snapshot holding [a, b] with its count spelled "02" (every replace of it is
        // superseded, as when a write lands between the replay's read and its replace), and misses the push of c.
        await cluster[2].Db.HashSetAsync(RedisCluster.MetaKeyOf(key), "c", "02");
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        await store.PushRightAsync(key, ChatMessage.Of("c"), WriteOptions.Quorum);
        var node2 = cluster[2].EndPoint;
        await Eventually.HoldsAsync(() => Task.FromResult(client.PendingHints[node2] == 1), "node 2 has a hint for the list");
        await cluster[2].RestartAsync(Testing.RestartMode.KeepData);

        HintReplayReport? reached = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                var report = await client.ReplayHintsAsync();
                reached = report.UnreachableNodes.Count == 0 ? report : null;
                return reached is not null;
            },
            "a replay reaches node 2");

        Assert.Equal(1, client.PendingHints[node2]);
        Assert.Equal(0, reached!.Replayed);
        Assert.Equal(2, await cluster[2].Db.ListLengthAsync(key));
    }
}

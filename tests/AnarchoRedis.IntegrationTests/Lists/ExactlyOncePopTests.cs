using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using StackExchange.Redis;
using Xunit;
using Xunit.Abstractions;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>
/// Exactly-once pops (<see cref="ReplicatedListStore{T}.PopLeftOnceAsync"/>) on real nodes: each element goes to at
/// most one caller, under concurrent poppers, a popper that stopped mid-pop, a lapsed claim, a node down and a node
/// wiped; and the replicas end identical, bookkeeping included.
/// </summary>
public sealed class ExactlyOncePopTests(ITestOutputHelper output)
{
    private const string ClaimPrefix = "anrcho_claim:";

    private static readonly ReplicatedTypeRegistry Registry = new(ChatMessage.Descriptor);

    private static void NoHints(AnarchoRedisOptions options) => options.Hints.Enabled = false;

    private static LocalClusterOptions Three => new() { NodeCount = 3 };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Pops_from_either_end_return_each_element_once_and_leave_no_claims_behind(bool clusterMode)
    {
        // clusterMode: three replicas that are Redis Clusters of three shards (the claims hash shares its list's slot).
        await using var cluster = await LocalCluster.StartAsync(clusterMode ? Cluster.ClusterSetup.ThreeByThree : Three);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var queue = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:once";
        await queue.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], WriteOptions.All);

        Assert.Equal("a", (await queue.PopLeftOnceAsync(key))?.Text);
        Assert.Equal("c", (await queue.PopRightOnceAsync(key))?.Text);
        Assert.Equal("b", (await queue.PopLeftOnceAsync(key))?.Text);
        Assert.Null(await queue.PopLeftOnceAsync(key));
        Assert.Empty(await queue.RangeAsync(key, 0, -1, ReadOptions.All));
        // Every node took or was told of each removal: the replicas are identical without a pass, and no claim is left.
        await AssertIdenticalAsync(cluster);
        foreach (var node in cluster.Nodes)
        {
            Assert.False(await node.Db.KeyExistsAsync(ClaimPrefix + "{" + key + "}"), $"node {node.Index} kept a claims hash");
        }
    }

    [Fact]
    public async Task Concurrent_poppers_on_separate_clients_never_receive_the_same_element_and_together_receive_all()
    {
        await using var cluster = await LocalCluster.StartAsync(Three);
        const string key = "chat:work";
        const int elements = 120;
        await using (var producer = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints)))
        {
            var items = Enumerable.Range(0, elements).Select(i => ChatMessage.Of($"job-{i}")).ToArray();
            await producer.GetListStore(ChatMessage.Descriptor).PushRightAsync(key, items, WriteOptions.All);
        }

        var received = new ConcurrentBag<string>();
        var contended = 0;
        var clients = new List<AnarchoRedisClient>();
        try
        {
            for (var c = 0; c < 4; c++)
            {
                clients.Add(await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints)));
            }

            // Two poppers per client, eight in all, each popping until the list is empty.
            var poppers = clients.SelectMany(client => Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                var queue = client.GetListStore(ChatMessage.Descriptor);
                var empty = 0;
                while (empty < 3)
                {
                    ChatMessage? item;
                    try
                    {
                        item = await queue.PopLeftOnceAsync(key);
                    }
                    catch (PopContendedException)
                    {
                        Interlocked.Increment(ref contended);
                        continue;
                    }

                    if (item is null)
                    {
                        empty++;
                        await Task.Delay(20);
                        continue;
                    }

                    received.Add(item.Text);
                }
            }))).ToArray();
            await Task.WhenAll(poppers);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        output.WriteLine($"{received.Count} popped, {contended} pops gave up contended");
        var duplicates = received.GroupBy(t => t).Where(g => g.Count() > 1).Select(g => g.Key).ToArray();
        Assert.Empty(duplicates);
        Assert.Equal(Enumerable.Range(0, elements).Select(i => $"job-{i}").Order(), received.Order());
        await AssertIdenticalAfterPassAsync(cluster);
    }

    [Fact]
    public async Task An_element_claimed_by_a_popper_that_stopped_is_skipped_until_its_lease_lapses_and_then_popped()
    {
        await using var cluster = await LocalCluster.StartAsync(Three);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(o =>
        {
            NoHints(o);
            o.PopClaimLease = TimeSpan.FromSeconds(1);
        }));
        var queue = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:orphan";
        await queue.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);

        // A popper claims the head on every node and stops there (it crashed before its take).
        var head = (await queue.RangeAsync(key, 0, 0, ReadOptions.All)).Single();
        var idOfHead = await HeadIdAsync(cluster[0], key);
        var until = DateTimeOffset.UtcNow.AddSeconds(1.5).ToUnixTimeMilliseconds();
        foreach (var node in cluster.Nodes)
        {
            await node.Db.HashSetAsync(ClaimPrefix + "{" + key + "}", idOfHead, "crashed-popper|" + until);
        }

        Assert.Equal("b", (await queue.PopLeftOnceAsync(key))?.Text);
        Assert.Null(await queue.PopLeftOnceAsync(key));

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(head.Text, (await queue.PopLeftOnceAsync(key))?.Text);
        Assert.Null(await queue.PopLeftOnceAsync(key));
        await AssertIdenticalAsync(cluster);
    }

    [Fact]
    public async Task A_popper_whose_claim_lapsed_and_was_claimed_over_cannot_take_the_element()
    {
        await using var cluster = await LocalCluster.StartAsync(Three);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var queue = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:slow";
        await queue.PushRightAsync(key, [ChatMessage.Of("only")], WriteOptions.All);
        var id = await HeadIdAsync(cluster[0], key);

        // A slow popper's claim, already lapsed on every node; this client then pops the element over it.
        var lapsed = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds();
        foreach (var node in cluster.Nodes)
        {
            await node.Db.HashSetAsync(ClaimPrefix + "{" + key + "}", id, "slow-popper|" + lapsed);
        }

        Assert.Equal("only", (await queue.PopLeftOnceAsync(key))?.Text);

        // The slow popper wakes and sends its take: every node refuses it.
        foreach (var node in cluster.Nodes)
        {
            var reply = (RedisResult[])(await node.Db.ScriptEvaluateAsync(
                LuaScript.ListClaim.Text,
                [key, RedisCluster.MetaKeyOf(key), "anrcho_tomb:{" + key + "}", ClaimPrefix + "{" + key + "}", "anrcho_epoch"],
                [ChatMessage.Descriptor.Name, "take", "slow-popper", "0190000000000000000000000000abcd", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, id, ListDigest.Format(ListDigest.ElementHash(ReplicatedVersion.Parse(id)))]))!;
            Assert.Equal(2, (long)reply[0]);
        }
    }

    [Fact]
    public async Task Pops_go_on_with_one_node_down_and_the_node_that_comes_back_empty_does_not_count_until_refilled()
    {
        await using var cluster = await LocalCluster.StartAsync(Three);
        await using var client = await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints));
        var queue = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:down";
        await queue.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c"), ChatMessage.Of("d")], WriteOptions.All);

        cluster[2].Kill();
        Assert.Equal("a", (await queue.PopLeftOnceAsync(key))?.Text);

        // Node 2 returns empty, and node 1 stops answering: node 2 (filling) cannot make a quorum with node 0.
        await cluster[2].RestartAsync(RestartMode.LoseData);
        await Task.Delay(TimeSpan.FromSeconds(1));
        cluster[1].Pause();
        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await queue.PopLeftOnceAsync(key));
        Assert.False(error.IsIndeterminate);

        // Node 1 answers again; a pass refills node 2; every element left is popped once, in order.
        cluster[1].Resume();
        await Task.Delay(TimeSpan.FromSeconds(1));
        var pass = await new AntiEntropyRunner(client, Registry).RunPassAsync();
        Assert.True(pass.IsClean, pass.ToString());
        Assert.Equal("b", (await queue.PopLeftOnceAsync(key))?.Text);
        Assert.Equal("c", (await queue.PopLeftOnceAsync(key))?.Text);
        Assert.Equal("d", (await queue.PopLeftOnceAsync(key))?.Text);
        Assert.Null(await queue.PopLeftOnceAsync(key));
        await AssertIdenticalAfterPassAsync(cluster, client);
    }

    private static async Task<string> HeadIdAsync(LocalNode node, string key)
    {
        var envelope = (byte[]?)await node.Db.ListGetByIndexAsync(key, 0);
        Assert.NotNull(envelope);
        return System.Text.Encoding.ASCII.GetString(envelope!, 1, 32);
    }

    private async Task AssertIdenticalAfterPassAsync(LocalCluster cluster, AnarchoRedisClient? client = null)
    {
        await using var own = client is null ? await AnarchoRedisClient.ConnectAsync(cluster.CreateOptions(NoHints)) : null;
        var pass = await new AntiEntropyRunner(client ?? own!, Registry).RunPassAsync();
        output.WriteLine(pass.ToString());
        Assert.True(pass.IsClean, pass.ToString());
        await AssertIdenticalAsync(cluster);
    }

    private async Task AssertIdenticalAsync(LocalCluster cluster)
    {
        var differences = await KeyspaceComparison.CompareReplicasAsync(cluster.Replicas);
        foreach (var difference in differences)
        {
            output.WriteLine(difference.ToString());
        }

        Assert.Empty(differences);
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>
/// Capped lists ("feeds that stay small"): a keep-newest trim raises one floor per list (its watermark dv) instead of
/// tombstoning every dropped element, and a list with a MaxLength keeps its newest N on every push. The bookkeeping of a
/// capped list stays O(1): its data and its meta, no tombstone hash.
/// </summary>
public sealed class CappedListTests
{
    private static readonly ReplicatedListDescriptor<ChatMessage> Feed = new("tests.feed", "feed:{RoomId}", maxLength: 10);

    private static readonly ReplicatedTypeRegistry Registry = new(ChatMessage.Descriptor, Feed);

    private static void Quiet(AnarchoRedisOptions options)
    {
        options.Hints.Enabled = false;
        options.AntiEntropy.MaxKeysPerSecond = 0;
    }

    private static string[] Texts(IEnumerable<ChatMessage> messages) => messages.Select(m => m.Text).ToArray();

    /// <summary>The texts the newest <paramref name="count"/> pushes leave, in canonical order (lefts by descending id, then rights by ascending id).</summary>
    private static string[] Newest(IEnumerable<(string Text, ListSide Side, ReplicatedVersion Id)> pushed, int count)
    {
        var kept = pushed.OrderByDescending(p => p.Id).Take(count).ToList();
        return kept.Where(p => p.Side == ListSide.Left).OrderByDescending(p => p.Id)
            .Concat(kept.Where(p => p.Side == ListSide.Right).OrderBy(p => p.Id))
            .Select(p => p.Text).ToArray();
    }

    private static async Task<List<(string Text, ListSide Side, ReplicatedVersion Id)>> PushAlternatingAsync(ReplicatedListStore<ChatMessage> store, string key, int count, WriteOptions? options = null, string prefix = "m")
    {
        var pushed = new List<(string, ListSide, ReplicatedVersion)>();
        for (var i = 0; i < count; i++)
        {
            var side = i % 3 == 0 ? ListSide.Left : ListSide.Right;
            var text = prefix + i;
            var result = side == ListSide.Left
                ? await store.PushLeftAsync(key, ChatMessage.Of(text), options)
                : await store.PushRightAsync(key, ChatMessage.Of(text), options);
            pushed.Add((text, side, result.Version));
        }

        return pushed;
    }

    private static async Task AssertNoTombstonesAsync(RedisCluster cluster, string key)
    {
        for (var node = 0; node < cluster.Nodes.Count; node++)
        {
            Assert.False(await cluster[node].Db.KeyExistsAsync(ListTestHelpers.TombstoneKeyOf(key)), $"node {node} holds element tombstones for {key}");
        }
    }

    [Fact]
    public async Task Trim_to_newest_keeps_the_newest_elements_of_both_sides_and_leaves_no_tombstone()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync(Quiet)).GetListStore(ChatMessage.Descriptor);
        const string key = "chat:newest";
        var pushed = await PushAlternatingAsync(store, key, 12, WriteOptions.All);

        var result = await store.TrimToNewestAsync(key, 4, WriteOptions.All);

        Assert.Equal(4, result.Length);
        Assert.False(result.Version.IsZero);
        Assert.Equal(Newest(pushed, 4), Texts(await store.RangeAsync(key, options: ReadOptions.All)));
        Assert.True(await cluster.ConvergedAsync(key, 4));
        await AssertNoTombstonesAsync(cluster, key);

        // The floor is the id of the newest element dropped (the 5th newest), on every node.
        var floor = pushed.OrderByDescending(p => p.Id).ElementAt(4).Id.ToString();
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal(floor, (await cluster.MetaAsync(node, key))["dv"]);
        }

        // Nothing more to drop: no write.
        var again = await store.TrimToNewestAsync(key, 4, WriteOptions.All);
        Assert.True(again.Version.IsZero);
        Assert.Equal(4, again.Length);
    }

    [Fact]
    public async Task A_node_that_missed_the_trim_is_repaired_by_read_repair()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync(Quiet)).GetListStore(ChatMessage.Descriptor);
        const string key = "chat:newest-read-repair";
        var pushed = await PushAlternatingAsync(store, key, 8, WriteOptions.All);

        // Node 0 misses the trim: a client configured with nodes 1 and 2 makes it.
        var others = (await cluster.CreateClientAsync(Quiet, nodes: [1, 2])).GetListStore(ChatMessage.Descriptor);
        await others.TrimToNewestAsync(key, 3, WriteOptions.All);
        Assert.Equal(8, await cluster[0].Db.ListLengthAsync(key));

        Assert.Equal(Newest(pushed, 3), Texts(await store.RangeAsync(key, options: ReadOptions.All)));
        await Eventually.HoldsAsync(async () => await cluster.ConvergedAsync(key, 3), "node 0 is repaired", TimeSpan.FromSeconds(5));
        await AssertNoTombstonesAsync(cluster, key);
    }

    [Fact]
    public async Task A_node_that_missed_the_trim_is_repaired_by_an_anti_entropy_pass_and_then_every_key_matches()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(Quiet);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:newest-pass";
        var pushed = await PushAlternatingAsync(store, key, 8, WriteOptions.All);
        var others = (await cluster.CreateClientAsync(Quiet, nodes: [1, 2])).GetListStore(ChatMessage.Descriptor);
        await others.TrimToNewestAsync(key, 3, WriteOptions.All);

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        Assert.True(report.IsClean, report.ToString());
        Assert.Empty(await KeyspaceComparison.CompareAsync(cluster.Nodes));
        Assert.True(await cluster.ConvergedAsync(key, 3));
        await AssertNoTombstonesAsync(cluster, key);
        Assert.Equal(Newest(pushed, 3), Texts(await store.RangeAsync(key, options: ReadOptions.All)));
    }

    [Fact]
    public async Task A_push_below_the_floor_arriving_late_is_dropped_on_every_node()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync(Quiet)).GetListStore(ChatMessage.Descriptor);
        const string key = "chat:newest-late";

        // A client whose clock lags by a minute (within the skew bound, so its pushes are acknowledged) pushes after
        // the trim: its element is older than the floor, not among the newest, and no node keeps it.
        var lagging = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromMinutes(1));
        var late = (await cluster.CreateClientAsync(Quiet, time: lagging)).GetListStore(ChatMessage.Descriptor);
        var pushed = await PushAlternatingAsync(store, key, 6, WriteOptions.All);
        await store.TrimToNewestAsync(key, 2, WriteOptions.All);

        var result = await late.PushRightAsync(key, ChatMessage.Of("late"), WriteOptions.All);

        Assert.Equal(3, result.Acknowledged);
        Assert.Equal(Newest(pushed, 2), Texts(await store.RangeAsync(key, options: ReadOptions.All)));
        Assert.True(await cluster.ConvergedAsync(key, 2));
        await AssertNoTombstonesAsync(cluster, key);
    }

    [Fact]
    public async Task A_thousand_pushes_onto_a_list_capped_at_ten_leave_ten_elements_and_no_tombstone_on_every_node()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var store = (await cluster.CreateClientAsync(Quiet)).GetListStore(Feed);
        const string key = "feed:busy";

        var pushed = await PushAlternatingAsync(store, key, 1000);

        await Eventually.HoldsAsync(async () => await cluster.ConvergedAsync(key, 10), "every node holds the same 10 elements", TimeSpan.FromSeconds(5));
        Assert.Equal(Newest(pushed, 10), Texts(await store.RangeAsync(key, options: ReadOptions.All)));
        await AssertNoTombstonesAsync(cluster, key);
        for (var node = 0; node < 3; node++)
        {
            Assert.Equal("10", (await cluster.MetaAsync(node, key))["c"]);
        }
    }

    [Fact]
    public async Task Concurrent_pushes_from_two_clients_to_a_capped_list_converge_after_a_pass()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var first = await cluster.CreateClientAsync(Quiet);
        var second = await cluster.CreateClientAsync(Quiet);
        const string key = "feed:crowded";

        var pushes = await Task.WhenAll(
            PushAlternatingAsync(first.GetListStore(Feed), key, 150, prefix: "a"),
            PushAlternatingAsync(second.GetListStore(Feed), key, 150, prefix: "b"));
        var report = await new AntiEntropyRunner(first, Registry).RunPassAsync();

        Assert.True(report.IsClean, report.ToString());
        Assert.Empty(await KeyspaceComparison.CompareAsync(cluster.Nodes));
        await AssertNoTombstonesAsync(cluster, key);

        // Each node capped its own list, never below the newest ten of everything pushed: they all survive the merge
        // (pushes that crossed can leave a few more until the next push).
        var all = pushes.SelectMany(p => p).ToList();
        var held = Texts(await first.GetListStore(Feed).RangeAsync(key, options: ReadOptions.All));
        Assert.Subset(held.ToHashSet(), all.OrderByDescending(p => p.Id).Take(10).Select(p => p.Text).ToHashSet());

        // The nodes now agree, so one more push caps every one of them alike, to exactly ten.
        var last = await first.GetListStore(Feed).PushRightAsync(key, ChatMessage.Of("last"), WriteOptions.All);
        all.Add(("last", ListSide.Right, last.Version));
        Assert.Equal(10, last.Length);
        Assert.True(await cluster.ConvergedAsync(key, 10));
        Assert.Equal(Newest(all, 10), Texts(await first.GetListStore(Feed).RangeAsync(key, options: ReadOptions.All)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_delete_and_a_trim_applied_in_either_order_leave_the_same_state(bool deleteIsNewer)
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(Quiet);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:newest-delete";
        var pushed = await PushAlternatingAsync(store, key, 8, WriteOptions.All);
        var ids = pushed.Select(p => p.Id).OrderBy(id => id).ToArray();

        // The trim keeps the newest 3 (floor: the 4th newest id); the delete is either newer than everything, or
        // concurrent with the trim and older than its floor (a delete at the 2nd oldest id).
        var floor = ids[^4];
        var delete = deleteIsNewer ? client.Clock.Next() : ids[1];
        var trimVersion = client.Clock.Next();
        RedisValue[] trim = ["tests.chat", floor.ToString(), "0", trimVersion.ToString()];
        RedisValue[] erase = ["tests.chat", delete.ToString(), delete.Timestamp.ToUnixTimeMilliseconds() + 1];
        var script = ListTestHelpers.Script("list_delete");
        var keys = ListTestHelpers.KeysOf(key);

        await cluster[0].Db.ScriptEvaluateAsync(script, keys, trim);
        await cluster[0].Db.ScriptEvaluateAsync(script, keys, erase);
        await cluster[1].Db.ScriptEvaluateAsync(script, keys, erase);
        await cluster[1].Db.ScriptEvaluateAsync(script, keys, trim);

        var zero = await KeyspaceComparison.SnapshotAsync(cluster[0].Server, cluster[0].Db);
        var one = await KeyspaceComparison.SnapshotAsync(cluster[1].Server, cluster[1].Db);
        Assert.Equal(zero, one);
        Assert.Equal(deleteIsNewer ? 0 : 3, await cluster[0].Db.ListLengthAsync(key));
        Assert.Equal((deleteIsNewer ? delete : floor).ToString(), (await cluster.MetaAsync(0, key))["dv"]);
        Assert.False(await cluster[0].Db.KeyExistsAsync(ListTestHelpers.TombstoneKeyOf(key)));
    }

    [Fact]
    public async Task A_trim_keeps_the_expiry_of_a_list_with_a_time_to_live_and_so_does_a_capped_push()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(Quiet);
        var store = client.GetListStore(ChatMessage.Descriptor);
        var feed = client.GetListStore(Feed);
        const string key = "chat:newest-ttl";
        const string capped = "feed:ttl";
        var ttl = new WriteOptions { TimeToLive = TimeSpan.FromMinutes(5), Consistency = Consistency.All };
        var pushed = await PushAlternatingAsync(store, key, 6, ttl);
        await PushAlternatingAsync(feed, capped, 25, ttl);

        await store.TrimToNewestAsync(key, 2, WriteOptions.All);

        Assert.Equal(Newest(pushed, 2), Texts(await store.RangeAsync(key, options: ReadOptions.All)));
        foreach (var (list, count) in new[] { (key, 2), (capped, 10) })
        {
            Assert.True(await cluster.ConvergedAsync(list, count));
            for (var node = 0; node < 3; node++)
            {
                var db = cluster[node].Db;
                Assert.NotNull(await db.KeyTimeToLiveAsync(list));
                Assert.NotNull(await db.KeyTimeToLiveAsync(RedisCluster.MetaKeyOf(list)));
                Assert.NotEqual("0", (await cluster.MetaAsync(node, list))["x"]);
            }
        }

        await AssertNoTombstonesAsync(cluster, key);
        await AssertNoTombstonesAsync(cluster, capped);
    }
}

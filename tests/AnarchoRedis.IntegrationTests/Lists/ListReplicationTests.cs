using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.Testing;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>Replicated lists against real nodes; every node's list is checked directly, byte for byte.</summary>
public sealed class ListReplicationTests
{
    /// <summary>
    /// For tests that look at a node's stale state after it returns: the hint replayer would repair it on its own
    /// (hints have their own tests).
    /// </summary>
    private static void NoHints(AnarchoRedisOptions options) => options.Hints.Enabled = false;

    private static string[] Texts(IEnumerable<ChatMessage> messages) => messages.Select(m => m.Text).ToArray();

    [Fact]
    public async Task Pushes_keep_redis_order_and_every_node_holds_the_same_bytes()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:order";

        await store.PushRightAsync(key, ChatMessage.Of("b"));
        await store.PushRightAsync(key, ChatMessage.Of("c"));
        await store.PushLeftAsync(key, ChatMessage.Of("a"));
        var last = await store.PushLeftAsync(key, [ChatMessage.Of("y"), ChatMessage.Of("x")]);
        await store.PushRightAsync(key, [ChatMessage.Of("d"), ChatMessage.Of("e")], WriteOptions.All);

        Assert.Equal(5, last.Length);
        Assert.Equal(["x", "y", "a", "b", "c", "d", "e"], Texts(await store.RangeAsync(key)));
        Assert.Equal(7, await store.LengthAsync(key));
        Assert.Equal(["d", "e"], Texts(await store.RangeAsync(key, -2, -1)));
        Assert.Equal(["a", "b"], Texts(await store.RangeAsync(key, 2, 3)));
        Assert.Equal(["x"], Texts(await store.RangeAsync(key, -100, 0)));
        Assert.Empty(await store.RangeAsync(key, 5, 2));
        Assert.Empty(await store.RangeAsync(key, 7, 100));
        Assert.Empty(await store.RangeAsync("chat:absent"));
        Assert.Equal(0, await store.LengthAsync("chat:absent"));
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 7), "all nodes hold the same list");
    }

    [Fact]
    public async Task Pushes_made_while_a_node_was_down_reach_it_after_it_restarts_empty()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:down";
        await store.PushRightAsync(key, ChatMessage.Of("before"), WriteOptions.All);

        cluster[2].Kill();
        for (var i = 0; i < 5; i++)
        {
            var pushed = await store.PushRightAsync(key, ChatMessage.Of($"r{i}"));
            Assert.Equal(2, pushed.Acknowledged);
        }

        await store.PushLeftAsync(key, ChatMessage.Of("head"));
        await cluster[2].RestartAsync(RestartMode.LoseData);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.Empty(await cluster.RawAsync(2, key));

        // Node 2 restarted empty, so it is filling: its answer does not count toward R, but a read sees it differ, merges
        // it in and repairs it (before returning when it answered in time, else in the background).
        var read = await store.RangeAsync(key, options: ReadOptions.Quorum);
        Assert.Equal(["head", "before", "r0", "r1", "r2", "r3", "r4"], Texts(read));
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 7), "the restarted node was repaired by the read");
    }

    [Fact]
    public async Task A_stale_node_seen_during_overlapping_pushes_is_repaired_once_the_pushes_settle()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:burst";
        await store.PushRightAsync(key, ChatMessage.Of("a"), WriteOptions.All);

        // Node 2 misses one push (a client that knows only nodes 0 and 1 makes it).
        var partial = (await cluster.CreateClientAsync(NoHints, nodes: [0, 1])).GetListStore(ChatMessage.Descriptor);
        await partial.PushRightAsync(key, ChatMessage.Of("missed"), WriteOptions.All);
        Assert.Single(await cluster.RawAsync(2, key));

        // 20 pushes in flight at once: each post-write check sees node 2 differ while the others are still landing, so
        // the check waits for the burst to settle, then confirms with a meta read and merges once.
        var pushes = Enumerable.Range(0, 20).Select(i => store.PushRightAsync(key, ChatMessage.Of($"p{i}"), WriteOptions.All).AsTask());
        Assert.All(await Task.WhenAll(pushes), p => Assert.Equal(3, p.Acknowledged));

        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 22), "node 2 gets the missed element after the burst");
        Assert.Contains("missed", Texts(await store.RangeAsync(key, 0, -1, ReadOptions.All)));
    }

    [Fact]
    public async Task A_node_restarted_from_a_stale_snapshot_is_repaired_by_the_next_push()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:stale";
        await store.PushRightAsync(key, ChatMessage.Of("a"), WriteOptions.All);
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        await store.PushRightAsync(key, ChatMessage.Of("b"));
        await store.PushLeftAsync(key, ChatMessage.Of("z"));
        await cluster[2].RestartAsync(RestartMode.KeepData);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.Single(await cluster.RawAsync(2, key));

        // The post-write check of an All push sees node 2's (count, digest) differ and repairs it before returning.
        var pushed = await store.PushRightAsync(key, ChatMessage.Of("c"), WriteOptions.All);
        Assert.Equal(4, pushed.Length);
        Assert.True(await cluster.ConvergedAsync(key, 4));
        Assert.Equal(["z", "a", "b", "c"], Texts(await store.RangeAsync(key)));
    }

    [Fact]
    public async Task Concurrent_pushes_from_clients_on_overlapping_nodes_end_in_one_order_everywhere()
    {
        await using var cluster = await RedisCluster.StartAsync();
        // The client that knows every node first: it makes every node's epoch ready (partial clients on a new cluster
        // would leave the nodes they do not know looking wiped).
        var all = await cluster.CreateClientAsync();
        var left = await cluster.CreateClientAsync(nodes: [0, 1]);
        var right = await cluster.CreateClientAsync(nodes: [1, 2]);
        const string key = "chat:concurrent";
        var a = left.GetListStore(ChatMessage.Descriptor);
        var b = right.GetListStore(ChatMessage.Descriptor);

        var pushes = new List<Task<ListWriteResult>>();
        for (var i = 0; i < 40; i++)
        {
            pushes.Add(a.PushRightAsync(key, ChatMessage.Of($"a{i}")).AsTask());
            pushes.Add(b.PushRightAsync(key, ChatMessage.Of($"b{i}")).AsTask());
            pushes.Add((i % 2 == 0 ? a : b).PushLeftAsync(key, ChatMessage.Of($"l{i}")).AsTask());
        }

        await Task.WhenAll(pushes);
        var read = Texts(await all.GetListStore(ChatMessage.Descriptor).RangeAsync(key, options: ReadOptions.All));

        Assert.Equal(120, read.Length);
        Assert.Equal(120, read.Distinct().Count());
        // Each client's right pushes keep their order (ids grow per client).
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"a{i}"), read.Where(t => t[0] == 'a'));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"b{i}"), read.Where(t => t[0] == 'b'));
        Assert.True(await cluster.ConvergedAsync(key, 120));
    }

    [Fact]
    public async Task A_removed_element_does_not_come_back_when_a_stale_node_returns()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:zombie";
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], WriteOptions.All);
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();

        Assert.Equal(1, await store.RemoveAsync(key, ChatMessage.Of("b")));
        await cluster[2].RestartAsync(RestartMode.KeepData);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.Equal(3, (await cluster.RawAsync(2, key)).Length);

        // Node 2 restarted, so it is filling: its answer is merged and repaired, but a read needs R other answers.
        Assert.Equal(["a", "c"], Texts(await store.RangeAsync(key, options: ReadOptions.Quorum)));
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 2), "node 2 is repaired");
        Assert.Equal(1, await cluster[2].Db.HashLengthAsync(ListTestHelpers.TombstoneKeyOf(key)));

        // Nothing a stale copy holds can bring it back: replaying its envelope is ignored (tombstoned id).
        Assert.Equal(["a", "c"], Texts(await store.RangeAsync(key)));
    }

    [Fact]
    public async Task A_retried_push_does_not_duplicate()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:retry";
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);
        await store.PushLeftAsync(key, ChatMessage.Of("z"), WriteOptions.All);
        var envelopes = await cluster[0].Db.ListRangeAsync(key);
        var meta = await cluster.MetaAsync(0, key);
        var script = ListTestHelpers.Script("list_push");

        // Replay every element (the slow path: none is above the max ids) and the newest left one twice.
        foreach (var envelope in envelopes.Concat([envelopes[0]]))
        {
            var id = ((string)envelope!).Substring(1, 32);
            var hash = ListDigest.Format(ListDigest.ElementHash(ReplicatedVersion.Parse(id)));
            var result = (RedisResult[])(await cluster[0].Db.ScriptEvaluateAsync(script, ListTestHelpers.KeysOf(key), ["tests.chat", meta["v"], "0", "0", "0", "0", envelope, hash]))!;
            Assert.Equal(0, (long)result[0]);
            Assert.Equal(3, (long)result[1]);
            Assert.Equal(meta["h"], (string?)result[2]);
        }

        Assert.Equal(envelopes.Select(e => (string?)e), (await cluster[0].Db.ListRangeAsync(key)).Select(e => (string?)e));
        Assert.Equal(["z", "a", "b"], Texts(await store.RangeAsync(key, options: ReadOptions.All)));
    }

    [Fact]
    public async Task A_ten_thousand_element_list_is_repaired_in_one_go_on_a_node_restarted_empty()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:big";
        for (var batch = 0; batch < 10; batch++)
        {
            await store.PushRightAsync(key, Enumerable.Range(batch * 1000, 1000).Select(i => ChatMessage.Of($"m{i}")), WriteOptions.All);
        }

        cluster[1].Kill();
        await cluster[1].RestartAsync(RestartMode.LoseData);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.Equal(0, await cluster[1].Db.ListLengthAsync(key));

        // Node 1 is filling: not counted toward R, but merged and repaired.
        Assert.Equal(10_000, await store.LengthAsync(key, ReadOptions.Quorum));
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 10_000), "the restarted node holds the 10,000 elements", TimeSpan.FromSeconds(10));
        var tail = await store.RangeAsync(key, -1, -1);
        Assert.Equal("m9999", Assert.Single(tail).Text);
    }

    [Fact]
    public async Task Pop_and_trim_follow_redis_semantics()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:pop";
        await store.PushRightAsync(key, Enumerable.Range(1, 6).Select(i => ChatMessage.Of($"{i}")));

        Assert.Equal("1", (await store.PopLeftAsync(key))?.Text);
        Assert.Equal("6", (await store.PopRightAsync(key))?.Text);
        Assert.Equal(["2", "3", "4", "5"], Texts(await store.RangeAsync(key)));

        var trimmed = await store.TrimAsync(key, 1, -2);
        Assert.Equal(2, trimmed.Length);
        Assert.Equal(["3", "4"], Texts(await store.RangeAsync(key)));

        await store.TrimAsync(key, 5, 10);
        Assert.Equal(0, await store.LengthAsync(key));
        Assert.Null(await store.PopLeftAsync(key));
        Assert.Null(await store.PopRightAsync(key));
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 0), "all nodes hold the empty list");
        Assert.Equal(6, await cluster[0].Db.HashLengthAsync(ListTestHelpers.TombstoneKeyOf(key)));
    }

    [Fact]
    public async Task Delete_removes_everything_pushed_before_it_even_on_a_stale_node()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:delete";
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();

        var deleted = await store.DeleteAsync(key);
        Assert.Equal(2, deleted.Acknowledged);
        await cluster[2].RestartAsync(RestartMode.KeepData);
        await Eventually.ClientReachesAllNodesAsync(client);

        // Node 2 restarted, so it is filling: its answer is merged and repaired, but a read needs R other answers.
        Assert.Empty(await store.RangeAsync(key, options: ReadOptions.Quorum));
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 0), "node 2 is repaired");

        await store.PushRightAsync(key, ChatMessage.Of("after"), WriteOptions.All);
        Assert.Equal(["after"], Texts(await store.RangeAsync(key)));
        Assert.True(await cluster.ConvergedAsync(key, 1));
    }

    [Fact]
    public async Task Foreign_data_on_one_node_is_reported_and_left_alone()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:foreign";
        await cluster[2].Db.ListRightPushAsync(key, "not an envelope");
        await cluster[1].Db.StringSetAsync(key, "a string");

        var error = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.PushRightAsync(key, ChatMessage.Of("x"), WriteOptions.All));
        Assert.IsType<ForeignListDataException>(error.Outcomes[2].Error);
        Assert.IsType<WrongRedisTypeException>(error.Outcomes[1].Error);
        Assert.Equal("not an envelope", (string?)await cluster[2].Db.ListGetByIndexAsync(key, 0));
        Assert.Equal("a string", (string?)await cluster[1].Db.StringGetAsync(key));

        var values = client.GetValueStore(Profile.Descriptor);
        await values.SetAsync("profile:list-clash", new Profile { Id = 1, Name = "v" }, WriteOptions.All);
        var clash = await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.PushRightAsync("profile:list-clash", ChatMessage.Of("x")));
        Assert.All(clash.Outcomes, o => Assert.IsType<KeyTypeMismatchException>(o.Error));
    }

    [Fact]
    public async Task Purge_drops_only_old_element_tombstones()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:purge";
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);
        await store.RemoveAsync(key, ChatMessage.Of("a"), WriteOptions.All);

        var ids = (await cluster[0].Db.HashKeysAsync(ListTestHelpers.TombstoneKeyOf(key))).Select(id => ReplicatedVersion.Parse((string)id!)).ToArray();
        Assert.Single(ids);
        foreach (var node in client.ReplicaNodes)
        {
            var none = await client.ListRepair.PurgeOnNodeAsync(node, key, "tests.chat", DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds(), 0, null, ids);
            Assert.Equal((0L, false), none);
            var purged = await client.ListRepair.PurgeOnNodeAsync(node, key, "tests.chat", DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds(), 0, null, ids);
            Assert.Equal((1L, false), purged);
        }

        Assert.Equal(0, await cluster[0].Db.HashLengthAsync(ListTestHelpers.TombstoneKeyOf(key)));
    }

    [Fact]
    public async Task A_quorum_push_repairs_a_node_restarted_empty_before_returning_or_in_the_background()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:late";
        await store.PushRightAsync(key, Enumerable.Range(0, 20).Select(i => ChatMessage.Of($"m{i}")), WriteOptions.All);
        cluster[0].Kill();
        await cluster[0].RestartAsync(RestartMode.LoseData);
        await Eventually.ClientReachesAllNodesAsync(client);

        // Node 0 answers the push with (1, h) while the others say (21, h'): counted in W, the push repairs it before
        // returning; a late answer starts a background repair.
        var pushed = await store.PushRightAsync(key, ChatMessage.Of("m20"));
        Assert.Equal(21, pushed.Length);
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 21), "the restarted node gets the whole list back");
        Assert.Equal("m20", (await store.PopRightAsync(key))?.Text);
    }

    [Fact]
    public async Task A_push_while_a_node_hangs_returns_at_quorum_and_the_node_catches_up_when_it_resumes()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:hung";
        await store.PushRightAsync(key, ChatMessage.Of("a"), WriteOptions.All);

        cluster[1].Pause();
        try
        {
            var pushed = await store.PushRightAsync(key, ChatMessage.Of("b"));
            Assert.Equal(2, pushed.Acknowledged);
            Assert.Equal(2, pushed.Length);
        }
        finally
        {
            cluster[1].Resume();
        }

        // The script queued on the hung node still runs after SIGCONT; the next read converges whatever happened.
        Assert.Equal(["a", "b"], Texts(await store.RangeAsync(key, options: ReadOptions.All)));
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 2), "the resumed node holds the list");
    }

    [Fact]
    public async Task An_expired_list_reads_as_empty_and_a_stale_copy_does_not_bring_it_back()
    {
        await using var cluster = await RedisCluster.StartAsync();

        // A merge judges expiry by the client's clock less MaxClockSkew (a client whose clock runs ahead must not empty a
        // list early): a small bound here, so the lagging copy is judged expired within the test.
        var client = await cluster.CreateClientAsync(o => o.MaxClockSkew = TimeSpan.FromMilliseconds(200));
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:ttl";
        var ttl = new WriteOptions { TimeToLive = TimeSpan.FromMilliseconds(700), Consistency = Consistency.All };
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], ttl);

        // Node 2's copy loses its expiry (as a node whose clock or TTL lagged): it still holds a and b after the others expired.
        Assert.True(await cluster[2].Db.KeyPersistAsync(key));
        await Eventually.HoldsAsync(async () => await cluster[0].Db.ListLengthAsync(key) == 0, "the list expires", TimeSpan.FromSeconds(5));
        Assert.Equal(2, await cluster[2].Db.ListLengthAsync(key));
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // past the expiry by more than the client's MaxClockSkew
        Assert.Empty(await store.RangeAsync(key, options: ReadOptions.All));
        Assert.Equal(0, await cluster[2].Db.ListLengthAsync(key));
        Assert.Equal(0, await store.LengthAsync(key));

        var pushed = await store.PushRightAsync(key, ChatMessage.Of("c"), WriteOptions.All);
        Assert.Equal(1, pushed.Length);
        Assert.Equal(["c"], Texts(await store.RangeAsync(key)));
        Assert.True(await cluster.ConvergedAsync(key, 1));
    }

    [Fact]
    public async Task Concurrent_pops_lose_nothing_and_may_repeat_at_least_once()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var first = (await cluster.CreateClientAsync()).GetListStore(ChatMessage.Descriptor);
        var second = (await cluster.CreateClientAsync()).GetListStore(ChatMessage.Descriptor);
        const string key = "chat:queue";
        await first.PushRightAsync(key, Enumerable.Range(0, 40).Select(i => ChatMessage.Of($"job{i}")), WriteOptions.All);

        async Task<List<string>> DrainAsync(ReplicatedListStore<ChatMessage> store)
        {
            var taken = new List<string>();
            while (await store.PopLeftAsync(key) is { } message)
            {
                taken.Add(message.Text);
            }

            return taken;
        }

        var drained = await Task.WhenAll(DrainAsync(first), DrainAsync(second));
        var all = drained.SelectMany(d => d).ToList();

        Assert.Equal(Enumerable.Range(0, 40).Select(i => $"job{i}").Order(), all.Distinct().Order());
        Assert.All(drained, d => Assert.Equal(d.Distinct().Count(), d.Count));
        Assert.Equal(0, await first.LengthAsync(key, ReadOptions.All));
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 0), "all nodes hold the empty list");
    }

    [Fact]
    public async Task Every_acknowledged_push_survives_a_node_wiped_in_the_middle_of_concurrent_pushing()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var clients = new[] { await cluster.CreateClientAsync(), await cluster.CreateClientAsync() };
        const string key = "chat:wiped";
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();

        async Task PushManyAsync(int client, int from)
        {
            var store = clients[client].GetListStore(ChatMessage.Descriptor);
            for (var i = from; i < from + 60; i++)
            {
                var text = $"c{client}-{i}";
                try
                {
                    await (i % 3 == 0 ? store.PushLeftAsync(key, ChatMessage.Of(text)) : store.PushRightAsync(key, ChatMessage.Of(text)));
                    acknowledged.Add(text);
                }
                catch (QuorumNotReachedException)
                {
                    // Indeterminate: may or may not be there.
                }
            }
        }

        var pushing = Task.WhenAll(PushManyAsync(0, 0), PushManyAsync(1, 0));
        await Task.Delay(100);
        cluster[1].Kill();
        await cluster[1].RestartAsync(RestartMode.LoseData);
        await pushing;
        await Eventually.ClientReachesAllNodesAsync(clients[0]);

        // Node 1 is filling (wiped): R counts nodes 0 and 2, and every push acknowledged by two nodes is on one of them.
        var read = Texts(await clients[0].GetListStore(ChatMessage.Descriptor).RangeAsync(key, options: ReadOptions.Quorum));
        Assert.Superset(acknowledged.ToHashSet(), read.ToHashSet());
        Assert.Equal(read.Length, read.Distinct().Count());
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, read.Length), "every node holds the merged list");
    }

    [Fact]
    public async Task A_read_with_repair_off_answers_from_the_merge_and_leaves_the_nodes_alone()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var partial = await cluster.CreateClientAsync(nodes: [0, 1]);
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:norepair";
        await store.PushRightAsync(key, ChatMessage.Of("a"), WriteOptions.All);
        await partial.GetListStore(ChatMessage.Descriptor).PushRightAsync(key, ChatMessage.Of("b"), WriteOptions.All);

        var off = new ReadOptions { Consistency = Consistency.All, ReadRepair = ReadRepairMode.Off };
        Assert.Equal(["a", "b"], Texts(await store.RangeAsync(key, options: off)));
        Assert.Equal(2, await store.LengthAsync(key, off));
        Assert.Single(await cluster.RawAsync(2, key));

        Assert.Equal(["a", "b"], Texts(await store.RangeAsync(key, options: ReadOptions.All)));
        Assert.True(await cluster.ConvergedAsync(key, 2));
    }

    [Fact]
    public async Task A_node_whose_list_data_was_evicted_under_its_meta_is_repaired()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var store = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:evicted";
        await store.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], WriteOptions.All);
        await cluster[1].Db.KeyDeleteAsync(key);
        await cluster[2].Db.ListRightPopAsync(key);

        // The two damaged copies are missing replicas: their answers do not count toward R (MissingReplicaTests), ...
        await Assert.ThrowsAsync<QuorumNotReachedException>(async () => await store.RangeAsync(key, options: ReadOptions.All));

        // ... but they are merged and repaired by a read that reaches R without them.
        Assert.Equal(["a", "b", "c"], Texts(await store.RangeAsync(key, options: ReadOptions.One)));
        await Eventually.HoldsAsync(() => cluster.ConvergedAsync(key, 3), "the damaged copies are repaired");
    }
}

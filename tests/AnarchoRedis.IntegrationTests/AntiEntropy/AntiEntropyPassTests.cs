using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using AnarchoRedis.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>Anti-entropy passes on three real redis-server nodes, checked by reading every node directly.</summary>
public sealed class AntiEntropyPassTests
{
    private static readonly ReplicatedTypeRegistry Registry = new(Profile.Descriptor, ChatMessage.Descriptor);

    /// <summary>
    /// No throttle, and no hints: these tests make nodes miss writes and count what a pass repairs; a hint replay
    /// (which runs the same per-key repair on its own) would get there first. Hints have their own tests.
    /// </summary>
    private static void Unthrottled(AnarchoRedisOptions options)
    {
        options.AntiEntropy.MaxKeysPerSecond = 0;
        options.Hints.Enabled = false;
    }

    private static async Task WriteManyAsync(AnarchoRedisClient client, int values, int lists, WriteOptions? options = null, string prefix = "")
    {
        var profiles = client.GetValueStore(Profile.Descriptor);
        var chats = client.GetListStore(ChatMessage.Descriptor);
        await Parallel.ForEachAsync(Enumerable.Range(0, values + lists), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            if (i < values)
            {
                await profiles.SetAsync($"profile:{prefix}{i}", new Profile { Id = i, Name = "p" + i, Age = i % 90 }, options);
            }
            else
            {
                var key = $"chat:{prefix}{i}";
                await chats.PushRightAsync(key, [ChatMessage.Of("a" + i), ChatMessage.Of("b" + i), ChatMessage.Of("c" + i)], options);
                if (i % 3 == 0)
                {
                    // A removal leaves an element tombstone to replicate too.
                    await chats.RemoveAsync(key, ChatMessage.Of("b" + i), options);
                }
            }
        });
    }

    [Fact]
    public async Task One_pass_makes_every_node_identical_after_a_node_is_flushed_and_a_second_pass_repairs_nothing()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(Unthrottled);
        await WriteManyAsync(client, values: 8000, lists: 2000, WriteOptions.All);
        await cluster[2].Db.ExecuteAsync("FLUSHALL");
        var runner = new AntiEntropyRunner(client, Registry);

        var first = await runner.RunPassAsync();

        Assert.Equal(AntiEntropyPassMode.Digests, first.Mode);
        Assert.Equal(8000, first.ValuesRepaired);
        Assert.Equal(2000, first.ListsRepaired);
        Assert.True(first.IsClean, first.ToString());
        Assert.True(first.SlotsDiffering > 0);

        // Data, meta, tombstones and the slot digests and indexes: byte for byte.
        await NodeDump.AssertIdenticalAsync(cluster);

        // The slot digests and indexes were rebuilt by the repairs' own scripts, so they agree too.
        var second = await runner.RunPassAsync();
        Assert.Equal(0, second.SlotsDiffering);
        Assert.Equal(0, second.KeysCompared);
        Assert.Equal(0, second.KeysRepaired);
        Assert.Equal(HashSlot.Count, second.SlotsCompared);
        Assert.Same(second, runner.LastReport);
    }

    [Fact]
    public async Task Keys_written_while_a_node_was_stopped_are_repaired_by_a_pass_that_no_read_triggered()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(Unthrottled);
        await WriteManyAsync(client, values: 100, lists: 20, WriteOptions.All, prefix: "old");
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();

        await WriteManyAsync(client, values: 200, lists: 50, WriteOptions.Quorum, prefix: "new");
        await client.GetValueStore(Profile.Descriptor).SetAsync("profile:old1", new Profile { Id = 1, Name = "changed" });

        await cluster[2].RestartAsync(RestartMode.KeepData);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.Null(await cluster.VersionAsync(2, "profile:new5"));

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        Assert.Equal(201, report.ValuesRepaired);
        Assert.Equal(50, report.ListsRepaired);
        Assert.Empty(report.UnreachableNodes);
        await NodeDump.AssertIdenticalAsync(cluster);
    }

    [Fact]
    public async Task A_delete_made_while_a_node_was_down_stays_deleted_and_its_tombstone_is_purged_only_after_grace_once_every_node_holds_it()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = await cluster.CreateClientAsync(Unthrottled, time);
        var store = client.GetValueStore(Profile.Descriptor);
        const string key = "profile:deleted";
        await store.SetAsync(key, new Profile { Id = 7, Name = "doomed" }, WriteOptions.All);
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        var deleted = await store.DeleteAsync(key);
        var runner = new AntiEntropyRunner(client, Registry);

        // Past the grace period, but node 2 (holding the live value) is down: nothing may be purged.
        time.Advance(client.Options.TombstoneGracePeriod + TimeSpan.FromMinutes(1));
        var whileDown = await runner.RunPassAsync();
        Assert.Equal(new[] { cluster[2].EndPoint }, whileDown.UnreachableNodes);
        Assert.Equal(0, whileDown.ValueTombstonesPurged);
        Assert.Equal(deleted.Version.ToString(), await cluster.VersionAsync(0, key));

        // Node 2 returns with the old live value: the pass copies the tombstone, it does not resurrect the value.
        await cluster[2].RestartAsync(RestartMode.KeepData);
        await Eventually.ClientReachesAllNodesAsync(client);
        Assert.NotNull(await cluster.DataAsync(2, key));
        var back = await runner.RunPassAsync();
        Assert.Equal(1, back.ValuesRepaired);
        Assert.Equal(0, back.ValueTombstonesPurged);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await cluster.DataAsync(i, key));
            Assert.Equal("1", (await cluster.MetaAsync(i, key))["t"]);
        }

        // Every node holds it now and it is older than the grace period: the next pass purges it everywhere.
        var purge = await runner.RunPassAsync();
        Assert.Equal(1, purge.ValueTombstonesPurged);
        for (var i = 0; i < 3; i++)
        {
            Assert.Empty(await cluster.MetaAsync(i, key));
        }

        Assert.Null(await store.GetAsync(key, ReadOptions.All));
        await NodeDump.AssertIdenticalAsync(cluster);
        var after = await runner.RunPassAsync();
        Assert.Equal(0, after.SlotsDiffering);
    }

    [Fact]
    public async Task A_tombstone_younger_than_the_grace_period_is_kept()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = await cluster.CreateClientAsync(Unthrottled, time);
        var store = client.GetValueStore(Profile.Descriptor);
        await store.SetAsync("profile:young", new Profile { Id = 1 }, WriteOptions.All);
        var deleted = await store.DeleteAsync("profile:young", WriteOptions.All);

        time.Advance(client.Options.TombstoneGracePeriod - TimeSpan.FromMinutes(1));
        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        Assert.Equal(0, report.ValueTombstonesPurged);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(deleted.Version.ToString(), await cluster.VersionAsync(i, "profile:young"));
        }
    }

    [Fact]
    public async Task List_element_tombstones_are_purged_after_grace_only_when_every_node_holds_them()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = await cluster.CreateClientAsync(Unthrottled, time);
        var chats = client.GetListStore(ChatMessage.Descriptor);
        const string key = "chat:purge";
        await chats.PushRightAsync(key, [ChatMessage.Of("keep"), ChatMessage.Of("drop")], WriteOptions.All);
        await chats.RemoveAsync(key, ChatMessage.Of("drop"), WriteOptions.All);
        var tombKey = ListTestHelpers.TombstoneKeyOf(key);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, await cluster[i].Db.HashLengthAsync(tombKey));
        }

        var runner = new AntiEntropyRunner(client, Registry);
        time.Advance(client.Options.TombstoneGracePeriod + TimeSpan.FromMinutes(1));
        var report = await runner.RunPassAsync();

        Assert.Equal(1, report.ListTombstonesPurged);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(0, await cluster[i].Db.HashLengthAsync(tombKey));
        }

        Assert.Equal(["keep"], (await chats.RangeAsync(key, options: ReadOptions.All)).Select(m => m.Text));
        await NodeDump.AssertIdenticalAsync(cluster);
        Assert.Equal(0, (await runner.RunPassAsync()).SlotsDiffering);
    }

    [Fact]
    public async Task Writes_running_during_a_pass_are_never_overwritten_by_older_data_and_none_is_lost()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o => o.AntiEntropy.MaxKeysPerSecond = 20_000);
        await WriteManyAsync(client, values: 3000, lists: 300, WriteOptions.All);
        await cluster[2].Db.ExecuteAsync("FLUSHALL");
        var profiles = client.GetValueStore(Profile.Descriptor);
        var chats = client.GetListStore(ChatMessage.Descriptor);
        var lastAcknowledged = new ConcurrentDictionary<string, int>();
        var pushed = new ConcurrentBag<(string Key, string Text)>();
        using var stop = new CancellationTokenSource();

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var round = 0; !stop.IsCancellationRequested; round++)
            {
                var key = $"profile:{(round * 7 + w * 13) % 3000}";
                var chat = $"chat:{3000 + ((round + w) % 300)}";
                try
                {
                    // One writer per value key (keys are split by writer), so "last acknowledged" is well defined.
                    var own = $"profile:{w}-{round % 50}";
                    await profiles.SetAsync(own, new Profile { Id = round, Name = "w" + w }, WriteOptions.Quorum);
                    lastAcknowledged[own] = round;
                    await chats.PushRightAsync(chat, ChatMessage.Of($"w{w}-{round}"), WriteOptions.Quorum);
                    pushed.Add((chat, $"w{w}-{round}"));
                    await profiles.SetAsync(key, new Profile { Id = -round, Name = "concurrent" }, WriteOptions.Quorum);
                }
                catch (QuorumNotReachedException)
                {
                    // Not acknowledged: not expected to survive, not counted.
                }
            }
        })).ToArray();

        var runner = new AntiEntropyRunner(client, Registry);
        var during = await runner.RunPassAsync();
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        Assert.True(during.KeysRepaired > 0);

        // Converge what the concurrent writes left behind, then check every node directly.
        await runner.RunPassAsync();
        await NodeDump.AssertIdenticalAsync(cluster);
        foreach (var (key, round) in lastAcknowledged)
        {
            var stored = await profiles.GetAsync(key, ReadOptions.One);
            Assert.Equal(round, stored!.Id);
        }

        foreach (var group in pushed.GroupBy(p => p.Key))
        {
            var texts = (await chats.RangeAsync(group.Key, options: ReadOptions.One)).Select(m => m.Text).ToHashSet();
            Assert.All(group, p => Assert.Contains(p.Text, texts));
        }
    }

    [Fact]
    public async Task A_key_of_an_unknown_type_is_reported_and_left_as_is_and_corrupt_meta_does_not_stop_the_pass()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(Unthrottled);
        var foreign = new ReplicatedValueDescriptor<Profile>("another.app.type", "other:{Id}");

        // Written by a client that only reaches nodes 0 and 1, so the slot differs on node 2.
        var partial = await cluster.CreateClientAsync(nodes: [0, 1]);
        await partial.GetValueStore(foreign).SetAsync("other:1", new Profile { Id = 1 });

        // A key whose meta is corrupt on node 1, and newer on node 0 only.
        var profiles = client.GetValueStore(Profile.Descriptor);
        await profiles.SetAsync("profile:corrupt", new Profile { Id = 1, Name = "v1" }, WriteOptions.All);
        await cluster[1].Db.HashSetAsync(RedisCluster.MetaKeyOf("profile:corrupt"), "v", "not-a-version");
        var onlyNode0 = await cluster.CreateClientAsync(nodes: [0]);
        var newest = await onlyNode0.GetValueStore(Profile.Descriptor).SetAsync("profile:corrupt", new Profile { Id = 1, Name = "v2" });

        // And an ordinary key that differs, which the pass must still repair.
        await partial.GetValueStore(Profile.Descriptor).SetAsync("profile:plain", new Profile { Id = 2, Name = "plain" });

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        Assert.Equal(1, report.UnknownKeys);
        Assert.DoesNotContain(report.Problems, p => p.Key == "other:1");
        Assert.Null(await cluster.VersionAsync(2, "other:1"));
        Assert.Contains(report.Problems, p => p.Kind == AntiEntropyProblemKind.CorruptMeta && p.Key == "profile:corrupt" && p.Node == cluster[1].EndPoint);
        Assert.Equal("not-a-version", await cluster.VersionAsync(1, "profile:corrupt"));
        Assert.Equal(newest.Version.ToString(), await cluster.VersionAsync(2, "profile:corrupt"));
        Assert.Equal(await cluster.VersionAsync(0, "profile:plain"), await cluster.VersionAsync(2, "profile:plain"));
        Assert.False(report.IsClean);
    }

    [Fact]
    public async Task Index_entries_of_keys_whose_meta_expired_everywhere_are_dropped_and_the_slot_keys_with_them()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o =>
        {
            Unthrottled(o);
            o.TombstoneGracePeriod = TimeSpan.FromMilliseconds(200);
        });
        var profiles = client.GetValueStore(Profile.Descriptor);
        for (var i = 0; i < 20; i++)
        {
            await profiles.SetAsync($"profile:ttl{i}", new Profile { Id = i }, new WriteOptions { TimeToLive = TimeSpan.FromMilliseconds(200), Consistency = Consistency.All });
        }

        Assert.NotEmpty(await cluster[0].Server.KeysAsync(pattern: "anrcho_slot:*").ToArrayAsync());

        // Data expires after 200 ms and its meta 200 ms (the grace period) later, on every node by Redis' own clock.
        await Eventually.HoldsAsync(async () => !await cluster[0].Server.KeysAsync(pattern: "anrcho_version:*").AnyAsync(), "the meta keys expired", TimeSpan.FromSeconds(5));
        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        Assert.Equal(60, report.IndexEntriesDropped);
        Assert.Equal(0, report.KeysRepaired);
        for (var i = 0; i < 3; i++)
        {
            Assert.Empty(await cluster[i].Server.KeysAsync(pattern: "anrcho_slot:*").ToArrayAsync());
        }
    }

    [Fact]
    public async Task Slot_keys_and_meta_damaged_outside_the_library_are_reported_and_the_rest_of_the_pass_still_repairs()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(Unthrottled);
        var profiles = client.GetValueStore(Profile.Descriptor);
        await profiles.SetAsync("profile:wrongtype", new Profile { Id = 1 }, WriteOptions.All);
        var slots = new SlotKeys("anrcho_slot:");

        // Node 1: the meta key of one key is a string; an index names a key the library could never have written; one
        // slot's digest key is a list.
        await cluster[1].Db.KeyDeleteAsync(RedisCluster.MetaKeyOf("profile:wrongtype"));
        await cluster[1].Db.StringSetAsync(RedisCluster.MetaKeyOf("profile:wrongtype"), "garbage");
        var odd = HashSlot.Of("profile:wrongtype");
        await cluster[1].Db.HashSetAsync(slots.IndexKey(odd).ToString(), "anrcho_version:{x}", "123");
        await cluster[1].Db.HashSetAsync(slots.IndexKey(odd).ToString(), "profile:wrongtype", "1");
        await cluster[1].Db.HashIncrementAsync(slots.DigestKey(odd).ToString(), "s", 124);
        await cluster[1].Db.ListRightPushAsync(slots.DigestKey(HashSlot.Of("profile:other")).ToString(), "not a hash");

        // And ordinary divergence elsewhere, written while node 2 was unreachable to the writer.
        var partial = await cluster.CreateClientAsync(nodes: [0, 1]);
        for (var i = 0; i < 20; i++)
        {
            await partial.GetValueStore(Profile.Descriptor).SetAsync($"profile:fine{i}", new Profile { Id = i });
        }

        var report = await new AntiEntropyRunner(client, Registry).RunPassAsync();

        Assert.Equal(20, report.ValuesRepaired);
        Assert.Empty(report.UnreachableNodes);
        Assert.Contains(report.Problems, p => p.Kind == AntiEntropyProblemKind.CorruptMeta && p.Key == "profile:wrongtype");
        Assert.Contains(report.Problems, p => p.Kind == AntiEntropyProblemKind.CorruptMeta && p.Key == "anrcho_version:{x}");
        Assert.Contains(report.Problems, p => p.Kind == AntiEntropyProblemKind.CorruptMeta && p.Node == cluster[1].EndPoint && p.Key is null);
        Assert.Equal("garbage", (string?)await cluster[1].Db.StringGetAsync(RedisCluster.MetaKeyOf("profile:wrongtype")));
        for (var i = 0; i < 20; i++)
        {
            Assert.NotNull(await cluster.VersionAsync(2, $"profile:fine{i}"));
        }
    }

    [Fact]
    public async Task Scan_pass_repairs_a_flushed_node_when_slot_digests_are_off()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(o =>
        {
            Unthrottled(o);
            o.SlotDigests = false;
        });
        await WriteManyAsync(client, values: 500, lists: 100, WriteOptions.All);
        Assert.Empty(await cluster[0].Server.KeysAsync(pattern: "anrcho_slot:*").ToArrayAsync());
        await cluster[1].Db.ExecuteAsync("FLUSHALL");
        var runner = new AntiEntropyRunner(client, Registry);

        var report = await runner.RunPassAsync();

        Assert.Equal(AntiEntropyPassMode.Scan, report.Mode);
        Assert.Equal(500, report.ValuesRepaired);
        Assert.Equal(100, report.ListsRepaired);
        await NodeDump.AssertIdenticalAsync(cluster);
        var second = await runner.RunPassAsync();
        Assert.Equal(0, second.KeysRepaired);
        Assert.Equal(600, second.KeysCompared);
        await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunPassAsync(AntiEntropyPassMode.Digests));
    }

    [Fact]
    public async Task Progress_is_reported_and_a_cancelled_pass_throws()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(Unthrottled);
        await WriteManyAsync(client, values: 300, lists: 0, WriteOptions.All);
        var runner = new AntiEntropyRunner(client, Registry);
        var seen = new ConcurrentQueue<AntiEntropyProgress>();

        await runner.RunPassAsync(progress: new SynchronousProgress(seen.Enqueue));

        Assert.Contains(seen, p => p.Phase == AntiEntropyPhase.Done);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.RunPassAsync(cancellationToken: cancelled.Token));
    }

    private sealed class SynchronousProgress(Action<AntiEntropyProgress> report) : IProgress<AntiEntropyProgress>
    {
        public void Report(AntiEntropyProgress value) => report(value);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using AnarchoRedis.IntegrationTests.Lists;
using AnarchoRedis.Testing;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests.AntiEntropy;

/// <summary>
/// Slot digests and slot indexes kept by the write scripts (docs/anti-entropy.md, "Slot digests and slot indexes"): checked on
/// real nodes with <see cref="SlotAudit"/>, compared across nodes, and the anti-entropy scripts that edit them.
/// </summary>
public sealed class SlotDigestTests
{
    /// <summary>
    /// For tests that look at a node's stale state after it returns: the hint replayer would repair it on its own
    /// (hints have their own tests).
    /// </summary>
    private static void NoHints(AnarchoRedisOptions options) => options.Hints.Enabled = false;

    private static readonly long GraceMs = (long)new AnarchoRedisOptions().TombstoneGracePeriod.TotalMilliseconds;

    [Fact]
    public async Task Mixed_value_and_list_writes_leave_every_node_consistent_and_all_nodes_with_identical_digests()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync();
        var values = client.GetValueStore(Profile.Descriptor);
        var lists = client.GetListStore(ChatMessage.Descriptor);

        // Values: set, overwrite, delete, delete-then-set, TTL (long enough not to expire during the test).
        for (var i = 0; i < 40; i++)
        {
            await values.SetAsync($"profile:{i}", new Profile { Id = i, Name = $"p{i}" }, WriteOptions.All);
        }

        for (var i = 0; i < 15; i++)
        {
            await values.SetAsync($"profile:{i}", new Profile { Id = i, Name = $"p{i}-2" }, WriteOptions.All);
        }

        for (var i = 10; i < 20; i++)
        {
            await values.DeleteAsync($"profile:{i}", WriteOptions.All);
        }

        await values.SetAsync("profile:10", new Profile { Id = 10, Name = "back" }, WriteOptions.All);
        var ttl = new WriteOptions { Consistency = Consistency.All, TimeToLive = TimeSpan.FromHours(1) };
        for (var i = 40; i < 45; i++)
        {
            await values.SetAsync($"profile:{{{i}}}:ttl", new Profile { Id = i }, ttl);
        }

        // Lists: pushes on both sides, removals (element tombstones), a delete, a TTL'd list.
        for (var l = 0; l < 6; l++)
        {
            await lists.PushRightAsync($"chat:{l}", [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")], WriteOptions.All);
            await lists.PushLeftAsync($"chat:{l}", ChatMessage.Of("z"), WriteOptions.All);
        }

        await lists.RemoveAsync("chat:1", ChatMessage.Of("b"), WriteOptions.All);
        await lists.PopLeftAsync("chat:2", WriteOptions.All);
        await lists.DeleteAsync("chat:3", WriteOptions.All);
        await lists.PushRightAsync("chat:{ttl}", ChatMessage.Of("t"), ttl);

        // Repairs: a client that reaches only nodes 0 and 1 writes; node 2 misses it and is then repaired, by a read
        // (value) and by the post-write check of the next push (list). The list's highest right id on nodes 0 and 1
        // belongs to an element removed since: the repair must give node 2 that watermark too (from the replies, not
        // from the merged elements), or its meta and slot entry would differ.
        var partitioned = await cluster.CreateClientAsync(nodes: [0, 1]);
        var partitionedLists = partitioned.GetListStore(ChatMessage.Descriptor);
        await partitioned.GetValueStore(Profile.Descriptor).SetAsync("profile:repair", new Profile { Id = 99, Name = "r" }, WriteOptions.All);
        await partitionedLists.PushRightAsync("chat:1", ChatMessage.Of("missed"), WriteOptions.All);
        await partitionedLists.PushRightAsync("chat:1", ChatMessage.Of("gone"), WriteOptions.All);
        await partitionedLists.RemoveAsync("chat:1", ChatMessage.Of("gone"), WriteOptions.All);
        Assert.Null(await cluster.VersionAsync(2, "profile:repair"));
        Assert.Equal(new Profile { Id = 99, Name = "r" }, await values.GetAsync("profile:repair", ReadOptions.All));
        await lists.PushLeftAsync("chat:1", ChatMessage.Of("after"), WriteOptions.All);
        Assert.True(await cluster.ConvergedAsync("chat:1", 5), "the push's post-write check repaired node 2");
        Assert.Equal(await cluster.MetaAsync(0, "chat:1"), await cluster.MetaAsync(2, "chat:1"));

        var audits = new List<SlotAudit>();
        for (var node = 0; node < 3; node++)
        {
            audits.Add(await SlotAudit.CheckAsync(cluster[node]));
        }

        Assert.True(audits[0].SlotKeyCount > 40, "the writes made slot keys");
        Assert.Empty(SlotAudit.DifferingDigests(audits[0], audits[1]));
        Assert.Empty(SlotAudit.DifferingDigests(audits[0], audits[2]));
        Assert.Empty(SlotAudit.DifferingIndexes(audits[0], audits[1]));
        Assert.Empty(SlotAudit.DifferingIndexes(audits[0], audits[2]));

        // Entries as the contract defines them. A value: XxHash3 of key and version; due at deletion + grace for a
        // tombstone, at the meta expiry for a TTL'd value, none for a live value without TTL.
        var live = await cluster.MetaAsync(0, "profile:0");
        Assert.Equal((SlotEntry.ValueHash("profile:0", ReplicatedVersion.Parse(live["v"])), 0L), audits[0].ParsedEntry("profile:0"));
        var tombstone = await cluster.MetaAsync(0, "profile:11");
        Assert.Equal("1", tombstone["t"]);
        Assert.Equal(
            (SlotEntry.ValueHash("profile:11", ReplicatedVersion.Parse(tombstone["v"])), long.Parse(tombstone["d"], CultureInfo.InvariantCulture) + GraceMs),
            audits[0].ParsedEntry("profile:11"));
        var expiring = await cluster.MetaAsync(0, "profile:{40}:ttl");
        Assert.Equal(long.Parse(expiring["x"], CultureInfo.InvariantCulture) + GraceMs, audits[0].ParsedEntry("profile:{40}:ttl").Due);
        Assert.Equal((long)await cluster[0].Db.ExecuteAsync("PEXPIRETIME", RedisCluster.MetaKeyOf("profile:{40}:ttl")), audits[0].ParsedEntry("profile:{40}:ttl").Due);

        // A list: the SHA-1 of its meta fields and tombstone count, computed here independently; due at the earliest
        // tombstone's removal + grace, or at the meta expiry.
        foreach (var key in new[] { "chat:0", "chat:1", "chat:2", "chat:3", "chat:{ttl}" })
        {
            var meta = await cluster.MetaAsync(0, key);
            var tombstones = await cluster[0].Db.HashGetAllAsync(ListTestHelpers.TombstoneKeyOf(key));
            var entry = audits[0].ParsedEntry(key);
            Assert.Equal(SlotAudit.ListEntryHash(key, meta, tombstones), entry.Hash);
            var expectedDue = tombstones.Length > 0 ? tombstones.Min(t => (long)t.Value) + GraceMs : 0;
            if (key == "chat:3")
            {
                expectedDue = audits[0].ParsedEntry(key).Due; // the delete's own time + grace, checked below
                Assert.InRange(expectedDue, ReplicatedVersion.Parse(meta["dv"]).Timestamp.ToUnixTimeMilliseconds() + GraceMs - 5_000, ReplicatedVersion.Parse(meta["dv"]).Timestamp.ToUnixTimeMilliseconds() + GraceMs + 5_000);
            }
            else if (key == "chat:{ttl}")
            {
                expectedDue = long.Parse(meta["x"], CultureInfo.InvariantCulture) + GraceMs;
            }

            Assert.Equal(expectedDue, entry.Due);
        }

        // m is the earliest due time of its slot.
        var slotOfTombstone = HashSlot.Of("profile:11");
        var dues = audits[0].Indexes[slotOfTombstone].Values.Select(e => SlotEntry.TryParse(e, out _, out var d) ? d : 0).Where(d => d != 0);
        Assert.Equal(dues.Min().ToString(CultureInfo.InvariantCulture), audits[0].Digests[slotOfTombstone]["m"]);
    }

    [Fact]
    public async Task A_node_that_missed_writes_has_different_digests_for_exactly_the_affected_slots()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var client = await cluster.CreateClientAsync(NoHints);
        var values = client.GetValueStore(Profile.Descriptor);
        var lists = client.GetListStore(ChatMessage.Descriptor);
        for (var i = 0; i < 30; i++)
        {
            await values.SetAsync($"profile:{i}", new Profile { Id = i }, WriteOptions.All);
        }

        await lists.PushRightAsync("chat:missed", [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);
        await lists.PushRightAsync("chat:kept", ChatMessage.Of("a"), WriteOptions.All);

        // Node 2 goes down keeping its data, and misses an overwrite, a new key, a delete and a list push and removal.
        await cluster[2].SnapshotAsync();
        cluster[2].Kill();
        string[] affected = ["profile:3", "profile:new", "profile:7", "chat:missed"];
        await values.SetAsync("profile:3", new Profile { Id = 3, Name = "changed" });
        await values.SetAsync("profile:new", new Profile { Id = 100 });
        await values.DeleteAsync("profile:7");
        await lists.PushLeftAsync("chat:missed", ChatMessage.Of("z"));
        await lists.RemoveAsync("chat:missed", ChatMessage.Of("a"));
        await cluster[2].RestartAsync(RestartMode.KeepData);

        var audits = new List<SlotAudit>();
        for (var node = 0; node < 3; node++)
        {
            audits.Add(await SlotAudit.CheckAsync(cluster[node]));
        }

        var expected = new SortedSet<int>(affected.Select(HashSlot.Of));
        Assert.Empty(SlotAudit.DifferingDigests(audits[0], audits[1]));
        Assert.Equal(expected, SlotAudit.DifferingDigests(audits[0], audits[2]));
        Assert.Equal(expected, SlotAudit.DifferingIndexes(audits[0], audits[2]));
        foreach (var slot in expected)
        {
            Assert.NotEqual(audits[0].Sum(slot), audits[2].Sum(slot));
        }
    }

    [Fact]
    public async Task Value_purge_removes_only_the_exact_tombstone_with_its_entry()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var client = await cluster.CreateClientAsync();
        var values = client.GetValueStore(Profile.Descriptor);
        var node = client.ReplicaNodes[0];
        await values.SetAsync("profile:live", new Profile { Id = 1 });
        await values.SetAsync("profile:gone", new Profile { Id = 2 });
        var deleted = await values.DeleteAsync("profile:gone");
        var keys = client.ValueScripts.WriteKeys("profile:gone");
        var slot = HashSlot.Of("profile:gone");
        var before = await SlotAudit.CheckAsync(cluster[0]);
        var entry = before.ParsedEntry("profile:gone");

        // Another version, another type name, or a live value: nothing is done, the stored version is reported.
        var other = new ReplicatedVersion(deleted.Version.Clock - 1, deleted.Version.WriterId);
        Assert.Equal(R(1L, deleted.Version.ToString()), Reply(await node.EvaluateOrReloadAsync(LuaScript.ValuePurge, keys, [other.ToString(), "tests.profile"])));
        Assert.Equal(R(1L, deleted.Version.ToString()), Reply(await node.EvaluateOrReloadAsync(LuaScript.ValuePurge, keys, [deleted.Version.ToString(), "tests.other"])));
        var live = await cluster.VersionAsync(0, "profile:live");
        Assert.Equal(R(1L, live!), Reply(await node.EvaluateOrReloadAsync(LuaScript.ValuePurge, client.ValueScripts.WriteKeys("profile:live"), [live!, "tests.profile"])));
        Assert.Equal(R(1L, string.Empty), Reply(await node.EvaluateOrReloadAsync(LuaScript.ValuePurge, client.ValueScripts.WriteKeys("profile:none"), [live!, "tests.profile"])));

        Assert.Equal(R(0L), Reply(await node.EvaluateOrReloadAsync(LuaScript.ValuePurge, keys, [deleted.Version.ToString(), "tests.profile"])));

        Assert.Empty(await cluster.MetaAsync(0, "profile:gone"));
        var after = await SlotAudit.CheckAsync(cluster[0]);
        Assert.Null(after.Entry("profile:gone"));
        Assert.Equal(before.Sum(slot) - SlotEntry.Weight(entry.Hash, entry.Due), after.Sum(slot));
        Assert.Null(await values.GetAsync("profile:gone"));

        // A meta key of the wrong type is reported, not touched.
        await cluster[0].Db.StringSetAsync(RedisCluster.MetaKeyOf("profile:bad"), "x");
        Assert.Equal(R(-1L, "string"), Reply(await node.EvaluateOrReloadAsync(LuaScript.ValuePurge, client.ValueScripts.WriteKeys("profile:bad"), [live!, "tests.profile"])));
    }

    [Fact]
    public async Task Index_drop_removes_an_entry_only_while_the_meta_key_is_absent()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var client = await cluster.CreateClientAsync();
        var values = client.GetValueStore(Profile.Descriptor);
        var node = client.ReplicaNodes[0];
        const string key = "profile:expired";
        await values.SetAsync(key, new Profile { Id = 1 });
        await values.SetAsync("profile:neighbour", new Profile { Id = 2 });
        var writeKeys = client.ValueScripts.WriteKeys(key);
        RedisKey[] keys = [writeKeys[1], writeKeys[2], writeKeys[3]];

        Assert.Equal(R(1L), Reply(await node.EvaluateOrReloadAsync(LuaScript.IndexDrop, keys, [key])));

        // The meta key goes as an expired one would: the entry stays behind and the audit sees it.
        await cluster[0].Db.KeyDeleteAsync([key, RedisCluster.MetaKeyOf(key)]);
        var stale = await SlotAudit.ReadAsync(cluster[0]);
        Assert.Contains(stale.Problems, p => p.Contains($"'{key}' has an index entry but no meta", StringComparison.Ordinal));

        Assert.Equal(R(0L, 1L), Reply(await node.EvaluateOrReloadAsync(LuaScript.IndexDrop, keys, [key])));
        Assert.Equal(R(0L, 0L), Reply(await node.EvaluateOrReloadAsync(LuaScript.IndexDrop, keys, [key])));
        var after = await SlotAudit.CheckAsync(cluster[0]);
        Assert.Null(after.Entry(key));
        Assert.NotNull(after.Entry("profile:neighbour"));
    }

    [Fact]
    public async Task Slot_settle_recomputes_the_sum_and_the_earliest_due_time()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var client = await cluster.CreateClientAsync();
        var values = client.GetValueStore(Profile.Descriptor);
        var node = client.ReplicaNodes[0];
        const string key = "profile:settle";
        await values.SetAsync(key, new Profile { Id = 1 });
        var writeKeys = client.ValueScripts.WriteKeys(key);
        RedisKey[] keys = [writeKeys[2], writeKeys[3]];
        var db = cluster[0].Db;
        var entry = (await SlotAudit.CheckAsync(cluster[0])).ParsedEntry(key);

        // In order: nothing to correct; m is dropped when no entry is due.
        Assert.Equal(R(0L), Reply(await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, keys, [])));
        await db.HashSetAsync(writeKeys[3], "m", 1);
        Assert.Equal(R(0L), Reply(await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, keys, [])));
        Assert.False(await db.HashExistsAsync(writeKeys[3], "m"));

        // A wrong sum is corrected and reported; an early m is raised to the earliest due entry.
        await db.HashIncrementAsync(writeKeys[3], "s", 12345);
        await db.HashSetAsync(writeKeys[2], "other:{x}", "7:5000");
        await db.HashSetAsync(writeKeys[2], "other:{y}", "8:4000");
        await db.HashSetAsync(writeKeys[3], "m", 1);
        var expected = (SlotEntry.Weight(entry.Hash, entry.Due) + 5007 + 4008).ToString(CultureInfo.InvariantCulture);
        Assert.Equal(R(1L, (SlotEntry.Weight(entry.Hash, entry.Due) + 12345).ToString(CultureInfo.InvariantCulture), expected), Reply(await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, keys, [])));
        Assert.Equal(expected, (string?)await db.HashGetAsync(writeKeys[3], "s"));
        Assert.Equal("4000", (string?)await db.HashGetAsync(writeKeys[3], "m"));
        Assert.Equal(R(0L), Reply(await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, keys, [])));
        Assert.Equal(new[] { "m", "s" }, (await db.HashKeysAsync(writeKeys[3])).Select(f => (string)f!).Order(StringComparer.Ordinal));

        // Sums above 2^53 stay exact (Lua numbers are doubles; the script adds them up with HINCRBY).
        await db.KeyDeleteAsync([writeKeys[2], writeKeys[3]]);
        var big = Enumerable.Range(0, 9000).Select(i => new HashEntry($"k{i}:{{z}}", SlotEntry.Mask - i)).ToArray();
        await db.HashSetAsync(writeKeys[2], big);
        var exact = big.Sum(e => (long)e.Value);
        Assert.Equal(R(1L, "0", exact.ToString(CultureInfo.InvariantCulture)), Reply(await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, keys, [])));
        Assert.True(exact > 1L << 53);

        // An empty index removes the digest.
        await db.KeyDeleteAsync(writeKeys[2]);
        Assert.Equal(R(1L, exact.ToString(CultureInfo.InvariantCulture), "0"), Reply(await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, keys, [])));
        Assert.False(await db.KeyExistsAsync(writeKeys[3]));
        Assert.Equal(R(0L), Reply(await node.EvaluateOrReloadAsync(LuaScript.SlotSettle, keys, [])));
    }

    [Fact]
    public async Task List_purge_drops_old_listed_tombstones_sets_the_due_time_and_drops_an_emptied_list()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var client = await cluster.CreateClientAsync();
        var lists = client.GetListStore(ChatMessage.Descriptor);
        var node = client.ReplicaNodes[0];
        var replicator = client.ListRepair;
        const string key = "chat:purge";
        await lists.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b"), ChatMessage.Of("c")]);
        await lists.RemoveAsync(key, ChatMessage.Of("a"));
        await lists.RemoveAsync(key, ChatMessage.Of("b"));
        var tombstones = await cluster[0].Db.HashGetAllAsync(ListTestHelpers.TombstoneKeyOf(key));
        var ids = tombstones.Select(t => ReplicatedVersion.Parse((string)t.Name!)).ToArray();
        var latest = tombstones.Max(t => (long)t.Value);
        Assert.Equal(2, ids.Length);
        Assert.NotEqual(0, (await SlotAudit.CheckAsync(cluster[0])).ParsedEntry(key).Due);

        // A cutoff before the removals drops nothing; the due time is still set exactly (here: none).
        Assert.Equal((0L, false), await replicator.PurgeOnNodeAsync(node, key, "tests.chat", latest - 60_000, 0, null, ids));
        Assert.Equal(0, (await SlotAudit.CheckAsync(cluster[0])).ParsedEntry(key).Due);

        // Only listed ids go: one of the two.
        Assert.Equal((1L, false), await replicator.PurgeOnNodeAsync(node, key, "tests.chat", latest + 1, 777, null, [ids[0]]));
        var audit = await SlotAudit.CheckAsync(cluster[0]);
        var meta = await cluster.MetaAsync(0, key);
        Assert.Equal((SlotAudit.ListEntryHash(key, meta, await cluster[0].Db.HashGetAllAsync(ListTestHelpers.TombstoneKeyOf(key))), 777L), audit.ParsedEntry(key));

        // A drop version on a list that still holds an element keeps it all.
        var version = ReplicatedVersion.Parse(meta["v"]);
        Assert.Equal((1L, false), await replicator.PurgeOnNodeAsync(node, key, "tests.chat", latest + 1, 0, version, [ids[1]]));
        Assert.NotEmpty(await cluster.MetaAsync(0, key));
        Assert.False(await cluster[0].Db.KeyExistsAsync(ListTestHelpers.TombstoneKeyOf(key)));

        // Deleted, with no tombstone left: dropped, but only at the exact version.
        await lists.DeleteAsync(key);
        version = ReplicatedVersion.Parse((await cluster.MetaAsync(0, key))["v"]);
        var older = new ReplicatedVersion(version.Clock - 1, version.WriterId);
        Assert.NotNull((await SlotAudit.CheckAsync(cluster[0])).Entry(key));
        Assert.Equal((0L, false), await replicator.PurgeOnNodeAsync(node, key, "tests.chat", latest + 1, 0, older, []));
        Assert.NotEmpty(await cluster.MetaAsync(0, key));
        Assert.Equal((0L, true), await replicator.PurgeOnNodeAsync(node, key, "tests.chat", latest + 1, 0, version, []));
        Assert.Empty(await cluster.MetaAsync(0, key));
        Assert.Null((await SlotAudit.CheckAsync(cluster[0])).Entry(key));

        // Errors as the other list scripts: a value's key is a type clash.
        await client.GetValueStore(Profile.Descriptor).SetAsync("profile:clash", new Profile());
        await Assert.ThrowsAsync<KeyTypeMismatchException>(() => replicator.PurgeOnNodeAsync(node, "profile:clash", "tests.chat", latest, 0, null, ids));
    }

    [Fact]
    public async Task Without_slot_digests_no_slot_key_is_written_and_mixed_clients_keep_the_sums_right()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var off = await cluster.CreateClientAsync(o => o.SlotDigests = false);
        var values = off.GetValueStore(Profile.Descriptor);
        var lists = off.GetListStore(ChatMessage.Descriptor);
        await values.SetAsync("profile:1", new Profile { Id = 1 });
        await values.SetAsync("profile:2", new Profile { Id = 2 }, new WriteOptions { TimeToLive = TimeSpan.FromHours(1) });
        await values.DeleteAsync("profile:2");
        await lists.PushRightAsync("chat:1", [ChatMessage.Of("a"), ChatMessage.Of("b")]);
        await lists.RemoveAsync("chat:1", ChatMessage.Of("a"));
        await lists.DeleteAsync("chat:1");
        Assert.Equal(new Profile { Id = 1 }, await values.GetAsync("profile:1"));

        Assert.Empty(await KeysAsync(cluster[0], SlotAudit.SlotPrefix + "*"));
        Assert.Equal(new[] { "d", "k", "n", "t", "v", "x" }, (await cluster.MetaAsync(0, "profile:1")).Keys.Order(StringComparer.Ordinal));

        // A client with digests and one without, on the same keys: the entries and sums stay exact (a write without
        // digests leaves the key's entry as it was, and the next write with digests replaces that entry).
        // Each client reads the key before writing it: its clock then passes the other client's version, so that
        // every write applies (two clients' versions made in one millisecond are ordered by writer id).
        var on = await cluster.CreateClientAsync();
        var onValues = on.GetValueStore(Profile.Descriptor);
        static async Task WriteAfterReadAsync(ReplicatedValueStore<Profile> store, string key, Profile value)
        {
            _ = await store.GetAsync(key);
            await store.SetAsync(key, value);
        }

        await WriteAfterReadAsync(onValues, "profile:1", new Profile { Id = 11 });
        await WriteAfterReadAsync(values, "profile:1", new Profile { Id = 12 });
        await WriteAfterReadAsync(onValues, "profile:1", new Profile { Id = 13 });
        await WriteAfterReadAsync(values, "profile:3", new Profile { Id = 3 });
        await WriteAfterReadAsync(onValues, "profile:3", new Profile { Id = 33 });
        Assert.Equal(new Profile { Id = 13 }, await values.GetAsync("profile:1"));
        Assert.Equal(new Profile { Id = 33 }, await values.GetAsync("profile:3"));
        await on.GetListStore(ChatMessage.Descriptor).PushRightAsync("chat:1", ChatMessage.Of("c"));
        var audit = await SlotAudit.ReadAsync(cluster[0]);

        // profile:2 and the meta of chat:1 were written without digests and have no entry; everything else is exact.
        Assert.Contains("'profile:2' has meta but no index entry", Assert.Single(audit.Problems), StringComparison.Ordinal);
        Assert.Equal(SlotEntry.ValueHash("profile:1", ReplicatedVersion.Parse((await cluster.MetaAsync(0, "profile:1"))["v"])), audit.ParsedEntry("profile:1").Hash);
        Assert.Equal(SlotEntry.ValueHash("profile:3", ReplicatedVersion.Parse((await cluster.MetaAsync(0, "profile:3"))["v"])), audit.ParsedEntry("profile:3").Hash);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_user_key_starting_with_the_slot_key_prefix_is_rejected(bool slotDigests)
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var client = await cluster.CreateClientAsync(o => o.SlotDigests = slotDigests);

        var value = await Assert.ThrowsAsync<InvalidKeyException>(async () => await client.GetValueStore(Profile.Descriptor).SetAsync("anrcho_slot:{0}:keys", new Profile()));
        Assert.Contains("anrcho_slot:", value.Reason, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidKeyException>(async () => await client.GetListStore(ChatMessage.Descriptor).PushRightAsync("anrcho_slot:x", ChatMessage.Of("a")));
        await Assert.ThrowsAsync<InvalidKeyException>(async () => await client.GetValueStore(Profile.Descriptor).GetAsync("anrcho_slot:{0}:digest"));
        // Nothing was written but the node's own epoch key (empty-restart detection), which every client keeps.
        Assert.Equal([NodeDump.EpochKey], (await KeysAsync(cluster[0], "*")).Select(k => (string)k!));
    }

    private static object[] R(params object[] items) => items;

    private static async Task<List<RedisKey>> KeysAsync(LocalNode node, string pattern)
    {
        var keys = new List<RedisKey>();
        await foreach (var key in node.Server.KeysAsync(pattern: pattern))
        {
            keys.Add(key);
        }

        return keys;
    }

    private static object[] Reply(RedisResult result) =>
        ((RedisResult[])result!).Select(r => r.Resp2Type == ResultType.Integer ? (object)(long)r : (string?)r ?? string.Empty).ToArray();
}

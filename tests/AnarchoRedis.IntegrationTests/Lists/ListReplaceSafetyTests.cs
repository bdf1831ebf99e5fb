using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>
/// A repair's replace races the writes it repairs: the client reads the replicas, merges, and writes the merge to each
/// node that differed, conditionally on the (count, digest) it read there. A removal, trim or delete that reaches a node
/// between that read and the replace can leave its (count, digest) as they were (the node never held the element), so
/// the precondition alone does not stop the replace. These tests run that interleaving step by step on a real node.
/// </summary>
public sealed class ListReplaceSafetyTests
{
    private const string TypeName = "tests.chat";

    private static readonly ReplicatedVersion Element = new(0x0000_0100_0000_0001UL, 0xAAUL);

    private static string Hash(ReplicatedVersion id) => ListDigest.Format(ListDigest.ElementHash(id));

    /// <summary>list_replace's arguments: the merge {Element} written over a node seen empty (count 0, digest 0).</summary>
    private static RedisValue[] ReplaceWithElement(ReplicatedVersion version)
    {
        var envelope = new ListElement(Element, ListSide.Right, new byte[] { 0xA1, 0x65 }).ToEnvelope();
        return [TypeName, 0, "0000000000000000", version.ToString(), "0", "0", "0", 1, Hash(Element), "0", Element.ToString(), "0", "0", 1, envelope];
    }

    [Fact]
    public async Task A_replace_does_not_bring_back_an_element_the_node_removed_after_the_merge_read()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var db = cluster[0].Db;
        const string key = "chat:race-remove";
        var keys = ListTestHelpers.KeysOf(key);

        // The merge read saw this node empty (it missed the push); then the removal reached it: a tombstone only, so
        // its count and digest are still (0, 0).
        var removal = new ReplicatedVersion(0x0000_0100_0000_0002UL, 0xBBUL);
        var removed = (RedisResult[])(await db.ScriptEvaluateAsync(ListTestHelpers.Script("list_remove"), keys, [TypeName, removal.ToString(), 5000, "0", "0", Element.ToString(), Hash(Element)]))!;
        Assert.Equal(0, (long)removed[0]);

        await db.ScriptEvaluateAsync(ListTestHelpers.Script("list_replace"), keys, ReplaceWithElement(removal));

        Assert.Empty(await db.ListRangeAsync(key));
        var meta = await cluster.MetaAsync(0, key);
        Assert.Equal("0", meta["c"]);
        Assert.Equal("0000000000000000", meta["h"]);
        Assert.True(await db.HashExistsAsync(ListTestHelpers.TombstoneKeyOf(key), Element.ToString()));
    }

    [Fact]
    public async Task A_replace_does_not_bring_back_an_element_under_the_node_delete_watermark()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var db = cluster[0].Db;
        const string key = "chat:race-delete";
        var keys = ListTestHelpers.KeysOf(key);

        // The merge read saw this node empty; then a delete of the whole list (above the element's id) reached it.
        var delete = new ReplicatedVersion(0x0000_0100_0000_0003UL, 0xCCUL);
        var deleted = (RedisResult[])(await db.ScriptEvaluateAsync(ListTestHelpers.Script("list_delete"), keys, [TypeName, delete.ToString(), "0"]))!;
        Assert.Equal(0, (long)deleted[0]);

        await db.ScriptEvaluateAsync(ListTestHelpers.Script("list_replace"), keys, ReplaceWithElement(delete));

        Assert.Empty(await db.ListRangeAsync(key));
        var meta = await cluster.MetaAsync(0, key);
        Assert.Equal("0", meta["c"]);
        Assert.Equal(delete.ToString(), meta["dv"]);
    }

    [Fact]
    public async Task A_replace_keeps_the_elements_the_node_may_hold_and_reports_what_it_wrote()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var db = cluster[0].Db;
        const string key = "chat:race-partial";
        var keys = ListTestHelpers.KeysOf(key);

        // Two merged elements; the node tombstoned one of them after the read. The other is written, and the reply's
        // (count, digest) describe exactly what the node now holds.
        var other = new ReplicatedVersion(0x0000_0100_0000_0004UL, 0xDDUL);
        await db.ScriptEvaluateAsync(ListTestHelpers.Script("list_remove"), keys, [TypeName, other.ToString(), 5000, "0", "0", Element.ToString(), Hash(Element)]);
        var first = new ListElement(Element, ListSide.Right, new byte[] { 0xA1, 0x61 }).ToEnvelope();
        var second = new ListElement(other, ListSide.Right, new byte[] { 0xA1, 0x62 }).ToEnvelope();
        var digest = ListDigest.Format(ListDigest.Of([Element, other]));
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(
            ListTestHelpers.Script("list_replace"),
            keys,
            [TypeName, 0, "0000000000000000", other.ToString(), "0", "0", "0", 2, digest, "0", other.ToString(), "0", "0", 2, first, second]))!;

        Assert.Equal(0, (long)reply[0]);
        Assert.Equal(1, (long)reply[1]);
        Assert.Equal(Hash(other), (string)reply[2]!);
        Assert.Equal([Convert.ToHexString(second)], (await db.ListRangeAsync(key)).Select(v => Convert.ToHexString((byte[])v!)).ToArray());
        var meta = await cluster.MetaAsync(0, key);
        Assert.Equal("1", meta["c"]);
        Assert.Equal(Hash(other), meta["h"]);
    }

    /// <summary>
    /// A busy list changes between the repair's read and its replace on every pass (a Jepsen queue run: passes after a
    /// wipe never came clean, so the wiped node never became ready). The replace no longer gives up: it merges the merge
    /// with what the node holds now, so the node keeps the push it took meanwhile and gets the elements it lacked.
    /// </summary>
    [Fact]
    public async Task A_replace_onto_a_node_that_took_a_push_since_the_read_keeps_that_push_and_adds_the_merge()
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var db = cluster[0].Db;
        const string key = "chat:race-busy";
        var keys = ListTestHelpers.KeysOf(key);
        var push = ListTestHelpers.Script("list_push");
        var a = new ListElement(new ReplicatedVersion(0x0000_0100_0000_0001UL, 0xA1UL), ListSide.Right, new byte[] { 0xA1, 0x61 });
        var x = new ListElement(new ReplicatedVersion(0x0000_0100_0000_0002UL, 0xA2UL), ListSide.Right, new byte[] { 0xA1, 0x78 });
        var b = new ListElement(new ReplicatedVersion(0x0000_0100_0000_0003UL, 0xA3UL), ListSide.Right, new byte[] { 0xA1, 0x62 });
        var head = new ListElement(new ReplicatedVersion(0x0000_0100_0000_0004UL, 0xA4UL), ListSide.Left, new byte[] { 0xA1, 0x68 });

        // The repair read this node holding {a}; the merge with another node is {a, x}. Then pushes b (right) and head
        // (left) land here before the replace.
        await db.ScriptEvaluateAsync(push, keys, [TypeName, a.Id.ToString(), "0", "0", "0", "0", a.ToEnvelope(), Hash(a.Id)]);
        await db.ScriptEvaluateAsync(push, keys, [TypeName, b.Id.ToString(), "0", "0", "0", "0", b.ToEnvelope(), Hash(b.Id)]);
        await db.ScriptEvaluateAsync(push, keys, [TypeName, head.Id.ToString(), "0", "0", "0", "0", head.ToEnvelope(), Hash(head.Id)]);
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(
            ListTestHelpers.Script("list_replace"),
            keys,
            [TypeName, 1, Hash(a.Id), x.Id.ToString(), "0", "0", "0", 2, ListDigest.Format(ListDigest.Of([a.Id, x.Id])), "0", x.Id.ToString(), "0", "0", 2, a.ToEnvelope(), x.ToEnvelope()]))!;

        Assert.Equal(0, (long)reply[0]);
        Assert.Equal(4, (long)reply[1]);
        var expected = new[] { head, a, x, b }.Select(e => Convert.ToHexString(e.ToEnvelope())).ToArray();
        Assert.Equal(expected, (await db.ListRangeAsync(key)).Select(v => Convert.ToHexString((byte[])v!)).ToArray());
        var meta = await cluster.MetaAsync(0, key);
        Assert.Equal("4", meta["c"]);
        Assert.Equal(ListDigest.Format(ListDigest.Of([head.Id, a.Id, x.Id, b.Id])), meta["h"]);
        Assert.Equal((string)reply[2]!, meta["h"]);
    }
}

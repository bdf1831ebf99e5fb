using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>
/// list_remove.lua looks for the ids from both ends of the list in windows that double (a pop's element is in the
/// first one): elements at the head, in the middle and at the tail, and an id the node never held, all in one call.
/// </summary>
public sealed class ListRemoveScriptTests
{
    private const string TypeName = "tests.chat";

    private static string Hash(ReplicatedVersion id) => ListDigest.Format(ListDigest.ElementHash(id));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public async Task Ids_at_the_head_in_the_middle_at_the_tail_and_absent_are_removed_and_tombstoned_in_one_call(int length)
    {
        await using var cluster = await RedisCluster.StartAsync(1);
        var db = cluster[0].Db;
        var key = $"chat:remove{length}";
        var keys = ListTestHelpers.KeysOf(key);
        var elements = Enumerable.Range(1, length)
            .Select(i => new ListElement(new ReplicatedVersion(0x0000_0100_0000_0000UL + (ulong)i, 0xC0UL), ListSide.Right, new byte[] { 0xA1, (byte)(0x40 + (i % 26)) }))
            .ToArray();
        foreach (var element in elements)
        {
            await db.ScriptEvaluateAsync(ListTestHelpers.Script("list_push"), keys, [TypeName, element.Id.ToString(), "0", "0", "0", "0", element.ToEnvelope(), Hash(element.Id)]);
        }

        var removed = new[] { elements[0], elements[length / 2], elements[^1] }.DistinctBy(e => e.Id).ToArray();
        var absent = new ReplicatedVersion(0x0000_0200_0000_0000UL, 0xC1UL);
        var ids = removed.Select(e => e.Id).Append(absent).ToArray();
        var version = new ReplicatedVersion(0x0000_0300_0000_0000UL, 0xC2UL);
        var reply = (RedisResult[])(await db.ScriptEvaluateAsync(
            ListTestHelpers.Script("list_remove"),
            keys,
            [TypeName, version.ToString(), 5000, "0", "0", .. ids.SelectMany(id => new RedisValue[] { id.ToString(), Hash(id) })]))!;

        var kept = elements.Where(e => !removed.Contains(e)).ToArray();
        Assert.Equal(0, (long)reply[0]);
        Assert.Equal(kept.Length, (long)reply[1]);
        Assert.Equal(ListDigest.Format(ListDigest.Of(kept.Select(e => e.Id).ToArray())), (string)reply[2]!);
        Assert.Equal(kept.Select(e => Convert.ToHexString(e.ToEnvelope())), (await db.ListRangeAsync(key)).Select(v => Convert.ToHexString((byte[])v!)));
        var tombstones = await db.HashKeysAsync(ListTestHelpers.TombstoneKeyOf(key));
        Assert.Equal(ids.Select(id => id.ToString()).Order(), tombstones.Select(t => (string)t!).Order());
    }
}

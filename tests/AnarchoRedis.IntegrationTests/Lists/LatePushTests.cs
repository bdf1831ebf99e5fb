using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>
/// A push that reaches a node after a newer push of its side (two pushes in flight from one client can swap on the
/// wire) goes to its canonical place, found by reading the list from its own end in growing windows: it lands where a
/// merge would put it, on a list of any length, and is idempotent.
/// </summary>
public sealed class LatePushTests
{
    private const string Name = "tests.late";
    private static readonly byte[] Payload = Encoding.UTF8.GetBytes("payload");

    [Fact]
    public async Task Late_pushes_of_both_sides_land_in_canonical_order_near_their_end_and_far_from_it()
    {
        await using var cluster = await RedisCluster.StartAsync();
        var db = cluster[0].Db;
        const string key = "late:list";

        // Left ids 2, 4, ..., 200 (the head is 200) and right ids 1002, 1004, ..., 1200 (the tail is 1200), in order.
        await PushAsync(db, key, Enumerable.Range(1, 100).Select(i => ('L', 2L * i)));
        await PushAsync(db, key, Enumerable.Range(1, 100).Select(i => ('R', 1000 + (2L * i))));

        // Late ones: next to the head (199), 20 windows' worth in (161: past the first window of 16), behind every left
        // push (1); next to the tail (1199), 30 in from the tail (1141), before every right push (1001).
        await PushAsync(db, key, [('L', 199), ('L', 161), ('L', 1), ('R', 1199), ('R', 1141), ('R', 1001)]);

        var expected = Enumerable.Range(1, 100).Select(i => ('L', 2L * i)).Concat([('L', 199L), ('L', 161L), ('L', 1L)])
            .OrderByDescending(e => e.Item2).Select(e => Describe(e.Item1, e.Item2))
            .Concat(Enumerable.Range(1, 100).Select(i => ('R', 1000 + (2L * i))).Concat([('R', 1199L), ('R', 1141L), ('R', 1001L)])
                .OrderBy(e => e.Item2).Select(e => Describe(e.Item1, e.Item2)))
            .ToArray();
        Assert.Equal(expected, await ListAsync(db, key));
        Assert.Equal(Describe('L', 199), (await ListAsync(db, key))[1]);

        // Idempotent: the same late pushes again change nothing, and the count and digest in the meta match the list.
        var reply = await PushAsync(db, key, [('L', 199), ('L', 161), ('R', 1141)]);
        Assert.Equal(expected, await ListAsync(db, key));
        Assert.Equal(expected.Length, (long)reply[1]);
    }

    private static async Task<RedisResult[]> PushAsync(IDatabase db, string key, IEnumerable<(char Side, long Id)> elements)
    {
        RedisKey[] keys = [key, RedisCluster.MetaKeyOf(key), ListTestHelpers.TombstoneKeyOf(key)];
        var args = new List<RedisValue> { Name, Id(1_000_000).ToString(), "0", "0", "0", "0" };
        foreach (var (side, id) in elements)
        {
            args.Add(ListEnvelope.Encode(Id(id), side == 'L' ? ListSide.Left : ListSide.Right, Payload));
            args.Add(ListDigest.Format(ListDigest.ElementHash(Id(id))));
        }

        var result = (RedisResult[])(await db.ScriptEvaluateAsync(LuaScript.ListPush.Text, keys, args.ToArray()))!;
        Assert.Equal(0, (long)result[0]);
        return result;
    }

    private static ReplicatedVersion Id(long n) => new((ulong)n, 7);

    private static string Describe(char side, long id) => $"{side}{Id(id)}";

    private static async Task<string[]> ListAsync(IDatabase db, string key) =>
        (await db.ListRangeAsync(key)).Select(e => Encoding.UTF8.GetString((byte[])e!)[..33]).ToArray();
}

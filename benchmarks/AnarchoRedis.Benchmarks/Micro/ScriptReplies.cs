using System;
using System.Globalization;
using System.Linq;
using System.Text;
using StackExchange.Redis;

namespace AnarchoRedis.Benchmarks.Micro;

/// <summary>
/// What the SDK's scripts return on a node, built as StackExchange.Redis builds a RESP2 reply: integers as
/// <see cref="ResultType.Integer"/>, strings as <see cref="ResultType.BulkString"/> over byte arrays, tables as
/// <see cref="ResultType.Array"/>. Each method is named after its script and follows its "Returns" comment.
/// </summary>
internal static class ScriptReplies
{
    /// <summary>value_write.lua, applied: <c>{0, version}</c>.</summary>
    public static RedisResult ValueWrite(ReplicatedVersion version) => Array(Integer(0), Bulk(version.ToString()));

    /// <summary>
    /// value_read.lua for a live value written without expiry:
    /// <c>{0, version, tombstone '0', deleted_at '0', expires_at '0', kind 'v', name, data}</c> (the meta hash holds
    /// what value_write.lua's HSET put there: the deletion and expiry times as '0').
    /// </summary>
    public static RedisResult ValueRead(ReplicatedVersion version, string typeName, byte[] payload) =>
        Array(Integer(0), Bulk(version.ToString()), Bulk("0"), Bulk("0"), Bulk("0"), Bulk("v"), Bulk(typeName), Bulk(payload));

    /// <summary>list_push.lua: <c>{0, count (LLEN, an integer), digest (16 hex), version}</c>.</summary>
    public static RedisResult ListPush(long count, ulong digest, ReplicatedVersion version) =>
        Array(Integer(0), Integer(count), Bulk(ListDigest.Format(digest)), Bulk(version.ToString()));

    /// <summary>
    /// list_read.lua in 'range' mode for a list without deletions, expiry or tombstones:
    /// <c>{0, version, count, digest, dv '0', expiry '0', elements, {}, max left id, max right '0', expiry version '0',
    /// data changed 0}</c> (count and digest come back from the meta hash, so as bulk strings).
    /// </summary>
    public static RedisResult ListRead(ReplicatedVersion version, long count, ulong digest, byte[][] envelopes, ReplicatedVersion maxLeft) =>
        Array(
            Integer(0),
            Bulk(version.ToString()),
            Bulk(count.ToString(CultureInfo.InvariantCulture)),
            Bulk(ListDigest.Format(digest)),
            Bulk("0"),
            Bulk("0"),
            RedisResult.Create(envelopes.Select(Bulk).ToArray(), ResultType.Array),
            RedisResult.Create(System.Array.Empty<RedisResult>(), ResultType.Array),
            Bulk(maxLeft.ToString()),
            Bulk("0"),
            Bulk("0"),
            Integer(0));

    private static RedisResult Integer(long value) => RedisResult.Create(value, ResultType.Integer);

    private static RedisResult Bulk(string text) => Bulk(Encoding.UTF8.GetBytes(text));

    private static RedisResult Bulk(byte[] bytes) => RedisResult.Create(bytes, ResultType.BulkString);

    private static RedisResult Array(params RedisResult[] items) => RedisResult.Create(items, ResultType.Array);
}

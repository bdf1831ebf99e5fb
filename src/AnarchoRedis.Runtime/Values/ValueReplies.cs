using Microsoft.Extensions.Logging;
using System;
using StackExchange.Redis;
using static AnarchoRedis.ReplyFields;

namespace AnarchoRedis;

/// <summary>What one node holds for a value key.</summary>
internal enum ValueState : byte
{
    /// <summary>The node's answer does not count (error, corrupt meta, wrong type).</summary>
    Error = 0,

    /// <summary>Neither data nor meta.</summary>
    Absent,

    /// <summary>Data without meta: written outside the library. Treated as absent and replaced by any versioned write.</summary>
    Unversioned,

    /// <summary>A live value.</summary>
    Live,

    /// <summary>A tombstone.</summary>
    Tombstone,

    /// <summary>A value whose time to live has passed.</summary>
    Expired,

    /// <summary>Meta of a live value whose data is gone (evicted or deleted by someone else).</summary>
    Damaged,
}

/// <summary>One node's reply to the value write script.</summary>
internal readonly record struct ValueWriteReply(NodeOutcomeKind Kind, ReplicatedVersion Stored, Exception? Error) : INodeReply
{
    public bool Counts => Kind is NodeOutcomeKind.Applied or NodeOutcomeKind.Superseded;
}

/// <summary>One node's reply to the value read script.</summary>
internal readonly record struct ValueReadReply(
    ValueState State,
    ReplicatedVersion Version,
    byte[]? Payload,
    long ExpiresAt,
    long DeletedAt,
    NodeOutcomeKind ErrorKind,
    Exception? Error) : INodeReadReply<ValueReadReply>
{
    public bool Counts => State != ValueState.Error && !IsNotCounted;

    public bool IsError => State == ValueState.Error;

    /// <summary>
    /// Whether the answer is valid but from a node whose reads do not count toward R (filling after an empty restart, or
    /// unverified): it is still a candidate and still repaired; <see cref="ErrorKind"/> and <see cref="Error"/> say why.
    /// </summary>
    public bool IsNotCounted { get; init; }

    /// <summary>This answer, marked as not counting toward R, with the reason.</summary>
    public ValueReadReply NotCounted(Exception reason) => this with { IsNotCounted = true, ErrorKind = NodeOutcomeKind.Skipped, Error = reason };

    /// <summary>Whether this reply can be the winner: it carries a complete, versioned state.</summary>
    public bool IsCandidate => State is ValueState.Live or ValueState.Tombstone or ValueState.Expired;

    public static ValueReadReply Failed(NodeOutcomeKind kind, Exception error) => new(ValueState.Error, default, null, 0, 0, kind, error);
}

/// <summary>Turns script replies and client exceptions into node replies.</summary>
internal static class ValueReplyParser
{
    /// <summary>
    /// How far ahead of the client's clock a node's clock may be for data gone before its expiry to still read as
    /// expired (Redis expires by the node's clock); data gone earlier than that is missing, not expired.
    /// </summary>
    public const long ExpiryToleranceMs = 2_000;

    /// <summary>
    /// Whether data gone under an expiry <paramref name="expiresAt"/> (Unix ms, 0 for none) may have expired by the node's
    /// clock (within <see cref="ExpiryToleranceMs"/>), rather than been lost: the one rule for values, lists and the
    /// eviction sweep.
    /// </summary>
    public static bool ExpiryMayHavePassed(long expiresAt, long nowMs) => expiresAt != 0 && expiresAt <= nowMs + ExpiryToleranceMs;

    /// <summary>Parses a value_write.lua reply.</summary>
    /// <param name="result">The reply.</param>
    /// <param name="key">The key, for errors.</param>
    /// <param name="node">The node, for errors.</param>
    /// <param name="typeName">The registry name, for errors.</param>
    /// <param name="written">
    /// The version the write carried, when known: an applied write echoes it, so it is not parsed again (the parse was
    /// a tenth of the client's own CPU per write).
    /// </param>
    public static ValueWriteReply ParseWrite(RedisResult result, string key, string node, string typeName, ReplicatedVersion? written = null)
    {
        var items = (RedisResult[])result!;
        var code = (long)items[0];
        switch (code)
        {
            case 0 when written is { } version:
                return new ValueWriteReply(NodeOutcomeKind.Applied, version, null);
            case 0:
            case 1:
                if (!TryVersion(items[1], out var stored))
                {
                    return new ValueWriteReply(NodeOutcomeKind.Failed, default, new CorruptMetadataException(key, node, "the script returned a malformed version"));
                }

                return new ValueWriteReply(code == 0 ? NodeOutcomeKind.Applied : NodeOutcomeKind.Superseded, stored, null);
            default:
                return new ValueWriteReply(NodeOutcomeKind.Failed, default, ScriptError(code, items, key, node, typeName));
        }
    }

    public static ValueReadReply ParseRead(RedisResult result, string key, string node, string typeName, long nowMs)
    {
        var items = (RedisResult[])result!;
        var code = (long)items[0];
        if (code == -7)
        {
            return ValueReadReply.Failed(NodeOutcomeKind.Skipped, ReplyFields.EpochGone(node));
        }

        if (code != 0)
        {
            return ValueReadReply.Failed(NodeOutcomeKind.Failed, ScriptError(code, items, key, node, typeName));
        }

        // A ninth item: the epoch says the node (or the key's slot, on a cluster) is being refilled.
        return items.Length > 8 ? Parse(items, key, node, typeName, nowMs).NotCounted(ReplyFields.EpochFilling(node)) : Parse(items, key, node, typeName, nowMs);
    }

    private static ValueReadReply Parse(RedisResult[] items, string key, string node, string typeName, long nowMs)
    {
        var data = items[7].IsNull ? null : (byte[]?)items[7];
        if (items[1].IsNull)
        {
            if (!items[2].IsNull || !items[5].IsNull || !items[6].IsNull)
            {
                return Corrupt(key, node, "the meta key has no version field");
            }

            return new ValueReadReply(data is null ? ValueState.Absent : ValueState.Unversioned, default, null, 0, 0, default, null);
        }

        if (!TryVersion(items[1], out var version))
        {
            return Corrupt(key, node, $"version '{Shorten((string?)items[1])}' is not 32 lowercase hex digits");
        }

        // The fields are compared and parsed as the reply's bytes: no strings on the in-sync path (only errors make them).
        var tombstone = Bytes(items[2]);
        var isTombstone = tombstone.SequenceEqual("1"u8);
        if (!isTombstone && !tombstone.SequenceEqual("0"u8))
        {
            return Corrupt(key, node, $"tombstone flag '{Shorten((string?)items[2])}' is neither 0 nor 1");
        }

        if (!TryLong(items[3], out var deletedAt) || !TryLong(items[4], out var expiresAt))
        {
            return Corrupt(key, node, "deletion or expiry time is not an integer");
        }

        if (items[5].IsNull || !Bytes(items[5]).SequenceEqual("v"u8) || items[6].IsNull || !NameEquals(Bytes(items[6]), typeName))
        {
            var kind = (string?)items[5];
            var name = (string?)items[6];
            Exception error = kind is "v" or "l"
                ? new KeyTypeMismatchException(key, node, typeName, kind, name ?? string.Empty)
                : new CorruptMetadataException(key, node, $"kind '{Shorten(kind)}' is neither 'v' nor 'l'");
            return ValueReadReply.Failed(NodeOutcomeKind.Failed, error);
        }

        if (isTombstone)
        {
            return new ValueReadReply(ValueState.Tombstone, version, null, 0, deletedAt, default, null);
        }

        // Redis expires the data by its own clock, which may be slightly ahead of ours: data gone under a TTL that is
        // (nearly) due is expiry. Data gone long before its expiry was evicted or deleted outside the library: damaged.
        if (expiresAt != 0 && (expiresAt <= nowMs || (data is null && ExpiryMayHavePassed(expiresAt, nowMs))))
        {
            return new ValueReadReply(ValueState.Expired, version, null, expiresAt, 0, default, null);
        }

        return data is null
            ? new ValueReadReply(ValueState.Damaged, version, null, expiresAt, 0, default, null)
            : new ValueReadReply(ValueState.Live, version, data, expiresAt, 0, default, null);
    }

    private static Exception ScriptError(long code, RedisResult[] items, string key, string node, string typeName)
    {
        var detail = items.Length > 1 ? (string?)items[1] ?? string.Empty : string.Empty;
        return code switch
        {
            -1 => new CorruptMetadataException(key, node, $"the meta key is a Redis {detail}, not a hash"),
            -2 => new WrongRedisTypeException(key, node, "string", detail),
            -3 => new CorruptMetadataException(key, node, detail),
            -4 when detail is "v" or "l" => new KeyTypeMismatchException(key, node, typeName, detail, items.Length > 2 ? (string?)items[2] ?? string.Empty : string.Empty),
            -4 => new CorruptMetadataException(key, node, $"kind '{detail}' is neither 'v' nor 'l'"),
            _ => new AnarchoRedisException($"Node {node} returned an unknown script status {code} for key '{key}'.", key),
        };
    }

    private static ValueReadReply Corrupt(string key, string node, string detail) =>
        ValueReadReply.Failed(NodeOutcomeKind.Failed, new CorruptMetadataException(key, node, detail));

    /// <summary>A time field: nil reads as 0 (absent), anything else must be a whole integer.</summary>
    private static bool TryLong(RedisResult item, out long value)
    {
        value = 0;
        return item.IsNull || ReplyFields.TryInteger(item, out value);
    }

    /// <summary>Whether UTF-8 bytes spell <paramref name="name"/>; allocates only for a non-ASCII name.</summary>
    private static bool NameEquals(ReadOnlySpan<byte> utf8, string name) =>
        System.Text.Ascii.IsValid(utf8) ? System.Text.Ascii.Equals(utf8, name) : string.Equals(System.Text.Encoding.UTF8.GetString(utf8), name, StringComparison.Ordinal);

    private static string Shorten(string? text) => text is null ? "(nil)" : text.Length <= 64 ? text : string.Concat(text.AsSpan(0, 64), "…");
}

/// <summary>value_read.lua: sent with no arguments; a live value whose data is gone under its meta is missing.</summary>
internal readonly struct ValueReadParser(string typeName, long nowMs, ILogger logger) : IReadParser<ValueReadReply>
{
    public LuaScript Script => LuaScript.ValueRead;

    public ValueReadReply Parse(RedisResult result, string key, string node)
    {
        var reply = ValueReplyParser.ParseRead(result, key, node, typeName, nowMs);
        if (reply.State == ValueState.Unversioned)
        {
            Log.UnversionedData(logger, node, key);
        }

        return reply;
    }

    public bool IsMissing(in ValueReadReply reply) => reply.State == ValueState.Damaged;
}

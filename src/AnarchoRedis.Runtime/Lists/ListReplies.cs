using System;
using System.Collections.Generic;
using StackExchange.Redis;
using static AnarchoRedis.ReplyFields;

namespace AnarchoRedis;

/// <summary>One node's reply to a list write script (push, remove, delete, replace): what it holds afterwards.</summary>
internal readonly record struct ListWriteReply(NodeOutcomeKind Kind, long Count, ulong Digest, ReplicatedVersion Stored, Exception? Error, long Buried = 0) : INodeReply
{
    public bool Counts => Kind is NodeOutcomeKind.Applied or NodeOutcomeKind.Superseded;

    public static ListWriteReply Failed(NodeOutcomeKind kind, Exception error) => new(kind, 0, 0, default, error);
}

/// <summary>
/// One node's reply to the list read script. <see cref="MaxLeft"/>/<see cref="MaxRight"/>: the highest left/right id the
/// node ever inserted (<see cref="ReplicatedVersion.Zero"/> for none); <see cref="ExpiresAt"/>: the data expiry set by the
/// push <see cref="ExpiryVersion"/> (0 and <see cref="ReplicatedVersion.Zero"/> for none).
/// </summary>
internal readonly record struct ListReadReply(
    bool Ok,
    ReplicatedVersion Version,
    long Count,
    ulong Digest,
    ReplicatedVersion DeletedUpTo,
    long ExpiresAt,
    ListElement[] Elements,
    Dictionary<ReplicatedVersion, long>? Tombstones,
    ReplicatedVersion MaxLeft,
    ReplicatedVersion MaxRight,
    ReplicatedVersion ExpiryVersion,
    NodeOutcomeKind ErrorKind,
    Exception? Error) : INodeReadReply<ListReadReply>
{
    public bool Counts => Ok && !IsNotCounted;

    public bool IsError => !Ok;

    /// <summary>
    /// Whether the answer is valid but from a node whose reads do not count toward R (filling after an empty restart, or
    /// unverified): it is still merged and repaired; <see cref="ErrorKind"/> and <see cref="Error"/> say why.
    /// </summary>
    public bool IsNotCounted { get; init; }

    /// <summary>
    /// Whether the node's data did not match its meta's count when read: expired (<see cref="ExpiresAt"/> passed), or
    /// evicted or edited outside AnarchoRedis (missing: not counted toward R, repaired).
    /// </summary>
    public bool DataChanged { get; init; }

    /// <summary>
    /// Whether tombstones the node's meta counted are gone (maxmemory evicted the tombstone hash, or a hand edit): its
    /// elements may include removed ones that only those tombstones kept out. Such a copy never counts, and is rewritten
    /// only from a merge of every node (a merge of fewer may lack the tombstones too, and would bring them back).
    /// </summary>
    public bool TombstonesLost { get; init; }

    /// <summary>This answer, marked as not counting toward R, with the reason.</summary>
    public ListReadReply NotCounted(Exception reason) => this with { IsNotCounted = true, ErrorKind = NodeOutcomeKind.Skipped, Error = reason };

    public static ListReadReply Failed(NodeOutcomeKind kind, Exception error) => new(false, default, 0, 0, default, 0, [], null, default, default, default, kind, error);

    /// <summary>The node's state, for a reply to a full read.</summary>
    public ListReplicaState ToState() =>
        new(Elements, (IReadOnlyDictionary<ReplicatedVersion, long>?)Tombstones ?? new Dictionary<ReplicatedVersion, long>(), DeletedUpTo);
}

/// <summary>Turns list script replies into node replies.</summary>
internal static class ListReplyParser
{
    public static ListWriteReply ParseWrite(RedisResult result, string key, string node, string typeName)
    {
        var items = (RedisResult[])result!;
        var code = (long)items[0];
        if (code is 0 or 1)
        {
            if (!ListDigest.TryParse(Bytes(items[2]), out var h) || !TryVersion(items[3], out var v))
            {
                return ListWriteReply.Failed(NodeOutcomeKind.Failed, new CorruptMetadataException(key, node, "the list script returned a malformed count, digest or version"));
            }

            // A push says how many of its elements fell under the node's delete watermark (the other scripts do not).
            var buried = items.Length > 4 ? (long)items[4] : 0;
            return new ListWriteReply(code == 0 ? NodeOutcomeKind.Applied : NodeOutcomeKind.Superseded, (long)items[1], h, v, null, buried);
        }

        return ListWriteReply.Failed(NodeOutcomeKind.Failed, ScriptError(code, items, key, node, typeName));
    }

    /// <summary>Parses a read reply; every element must be an envelope, else the node's answer does not count.</summary>
    public static ListReadReply ParseRead(RedisResult result, string key, string node, string typeName)
    {
        var items = (RedisResult[])result!;
        var code = (long)items[0];
        if (code == -7)
        {
            return ListReadReply.Failed(NodeOutcomeKind.Skipped, ReplyFields.EpochGone(node));
        }

        if (code != 0)
        {
            return ListReadReply.Failed(NodeOutcomeKind.Failed, ScriptError(code, items, key, node, typeName));
        }

        // Fields are parsed from the reply's bytes: no strings per node on the read path.
        var version = ReplicatedVersion.Zero;
        if (!Bytes(items[1]).IsEmpty && !TryVersion(items[1], out version))
        {
            return Corrupt(key, node, "version is not 32 lowercase hex digits");
        }

        if (!TryCount(items[2], out var count) ||
            !ListDigest.TryParse(Bytes(items[3]), out var digest) ||
            !TryWatermark(items[4], out var deletedUpTo) ||
            !TryCount(items[5], out var expiresAt) ||
            items.Length < 12 ||
            !TryWatermark(items[8], out var maxLeft) ||
            !TryWatermark(items[9], out var maxRight) ||
            !TryWatermark(items[10], out var expiryVersion))
        {
            return Corrupt(key, node, "count, digest, watermark or expiry is malformed");
        }

        var raw = (RedisResult[])items[6]!;
        var elements = new ListElement[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            var bytes = (byte[]?)raw[i];
            if (bytes is null || !ListEnvelope.TryDecode(bytes, out elements[i]))
            {
                return ListReadReply.Failed(NodeOutcomeKind.Failed, new ForeignListDataException(key, node, $"element {i} of the range read is not a list envelope"));
            }
        }

        Dictionary<ReplicatedVersion, long>? tombstones = null;
        var tombs = (RedisResult[])items[7]!;
        if (tombs.Length > 0)
        {
            tombstones = new Dictionary<ReplicatedVersion, long>(tombs.Length / 2);
            for (var i = 0; i + 1 < tombs.Length; i += 2)
            {
                if (!TryVersion(tombs[i], out var id) ||
                    !TryInteger(tombs[i + 1], out var at))
                {
                    return Corrupt(key, node, "an element tombstone is malformed");
                }

                tombstones[id] = at;
            }
        }

        var reply = new ListReadReply(true, version, count, digest, deletedUpTo, expiresAt, elements, tombstones, maxLeft, maxRight, expiryVersion, default, null)
        {
            DataChanged = items[11].Resp2Type == ResultType.Integer && (long)items[11] >= 1,
            TombstonesLost = items[11].Resp2Type == ResultType.Integer && (long)items[11] == 2,
        };

        // A 13th item: the epoch says the node (or the list's slot, on a cluster) is being refilled.
        return items.Length > 12 ? reply.NotCounted(ReplyFields.EpochFilling(node)) : reply;
    }

    internal static Exception ScriptError(long code, RedisResult[] items, string key, string node, string typeName)
    {
        var detail = items.Length > 1 ? (string?)items[1] ?? string.Empty : string.Empty;
        return code switch
        {
            -1 => new CorruptMetadataException(key, node, $"the meta key is a Redis {detail}, not a hash"),
            -2 => new WrongRedisTypeException(key, node, "list", detail),
            -3 => new CorruptMetadataException(key, node, detail),
            -4 when detail is "v" or "l" => new KeyTypeMismatchException(key, node, typeName, detail, items.Length > 2 ? (string?)items[2] ?? string.Empty : string.Empty),
            -4 => new CorruptMetadataException(key, node, $"kind '{detail}' is neither 'v' nor 'l'"),
            -5 => new ForeignListDataException(key, node, detail),
            -6 => new CorruptMetadataException(key, node, $"the element tombstone key is a Redis {detail}, not a hash"),
            _ => new AnarchoRedisException($"Node {node} returned an unknown list script status {code} for key '{key}'.", key),
        };
    }

    private static ListReadReply Corrupt(string key, string node, string detail) =>
        ListReadReply.Failed(NodeOutcomeKind.Failed, new CorruptMetadataException(key, node, detail));

    private static bool TryWatermark(RedisResult item, out ReplicatedVersion version)
    {
        version = default;
        return Bytes(item).SequenceEqual("0"u8) || TryVersion(item, out version);
    }

    /// <summary>The text form of an id or watermark on the nodes: 32 hex digits, or <c>0</c> for none.</summary>
    internal static string Watermark(ReplicatedVersion version) => version.IsZero ? "0" : version.ToString();
}

/// <summary>list_read.lua: a list whose data is gone (or changed) under its meta while its expiry is not due, or whose tombstones are gone, is missing.</summary>
internal readonly struct ListReadParser(string typeName, long nowMs) : IReadParser<ListReadReply>
{
    public LuaScript Script => LuaScript.ListRead;

    public ListReadReply Parse(RedisResult result, string key, string node) => ListReplyParser.ParseRead(result, key, node, typeName);

    public bool IsMissing(in ListReadReply reply) =>
        reply.Ok && (reply.TombstonesLost || (reply.DataChanged && !ValueReplyParser.ExpiryMayHavePassed(reply.ExpiresAt, nowMs)));
}

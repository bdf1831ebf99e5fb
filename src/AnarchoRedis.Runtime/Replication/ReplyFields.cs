using System;
using System.Buffers.Text;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Reads script reply fields from their bytes, without strings: what the value and list reply parsers share (the
/// in-sync path makes no string per node; only error messages do).
/// </summary>
internal static class ReplyFields
{
    /// <summary>A bulk reply's bytes, without a copy (empty for nil).</summary>
    public static ReadOnlySpan<byte> Bytes(RedisResult item) => ((ReadOnlyMemory<byte>)(RedisValue)item).Span;

    /// <summary>A version or id: 32 lowercase hex digits; false for nil.</summary>
    public static bool TryVersion(RedisResult item, out ReplicatedVersion version)
    {
        version = default;
        return !item.IsNull && ReplicatedVersion.TryParse(Bytes(item), out version);
    }

    /// <summary>A whole 64-bit decimal integer (sign allowed, nothing else); false for nil.</summary>
    public static bool TryInteger(RedisResult item, out long value)
    {
        value = 0;
        var bytes = Bytes(item);
        return !item.IsNull && Utf8Parser.TryParse(bytes, out value, out var consumed) && consumed == bytes.Length;
    }

    /// <summary>A non-negative decimal integer, digits only (as Lua's <c>%d</c> writes a count).</summary>
    public static bool TryCount(RedisResult item, out long value)
    {
        var bytes = Bytes(item);
        value = 0;
        if (bytes.IsEmpty || bytes.Length > 18)
        {
            return false;
        }

        foreach (var b in bytes)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * 10) + (b - '0');
        }

        return true;
    }

    /// <summary>A read script found the node's epoch (or, on a cluster, its slot's epoch) filling: its copy is used, not counted.</summary>
    public static NodeUnavailableException EpochFilling(string node) =>
        new(node, NodeHealthState.Filling, $"Node {node} is refilling after a restart, empty or from data that may be older than what it acknowledged (its epoch, or on a Redis Cluster the epoch of this key's hash slot, says 'filling'): its answer is used for read repair but does not count toward R until an anti-entropy pass has refilled it.");

    /// <summary>A read script found the node's epoch key gone: the node lost its data since the client last checked it.</summary>
    public static NodeUnavailableException EpochGone(string node) =>
        new(node, NodeHealthState.Filling, $"Node {node} has lost its epoch key (on a Redis Cluster, the epoch key of this key's hash slot) since it was last checked (FLUSHALL, or an empty restart): it lost its data, so its answer does not count toward R; the next check makes it filling.");
}

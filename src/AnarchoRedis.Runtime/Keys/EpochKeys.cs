using System;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Names a node's epoch keys. A standalone node has one, <c>EpochKey</c>. A node that is a Redis Cluster has one per
/// hash slot, <c>EpochKey:{T}</c> with <c>T</c> the slot's tag (<see cref="SlotKeys.Tag"/>): the epoch of a slot lives in
/// that slot, on the shard that owns it, moves with it when the slot migrates, and is lost with the slot's data when
/// its shard is wiped. A read script takes the epoch key of its key's slot as one of its KEYS (one slot: allowed).
/// </summary>
internal sealed class EpochKeys
{
    private readonly string?[] _markers = new string?[HashSlot.Count];

    public EpochKeys(string epochKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(epochKey);
        if (epochKey.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("The epoch key must hold no '{' or '}'.", nameof(epochKey));
        }

        Key = epochKey;
        MarkerPrefix = epochKey + ":{";
    }

    /// <summary>A standalone node's epoch key.</summary>
    public string Key { get; }

    /// <summary>What every per-slot epoch key starts with (<c>EpochKey:{</c>); no data key may.</summary>
    public string MarkerPrefix { get; }

    /// <summary>The epoch key of <paramref name="slot"/> on a Redis Cluster node (cached per slot).</summary>
    public RedisKey Marker(int slot) => _markers[slot] ??= string.Concat(MarkerPrefix, SlotKeys.Tag(slot), "}");

    /// <summary>The slot epoch key of <paramref name="key"/>'s slot.</summary>
    public RedisKey MarkerOf(in RedisKey key) => Marker(HashSlot.Of((string)key!));
}

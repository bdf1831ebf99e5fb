using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>The KEYS the list scripts take for a key: data, meta, element tombstones, and more per script.</summary>
internal sealed class ListKeys(KeySpace keys, SlotKeys? slots, RedisKey epochKey)
{
    /// <summary>KEYS of list_read.lua: data, meta, element tombstones. Checks the key.</summary>
    public RedisKey[] Keys(string key) => [key, keys.MetaKey(key), keys.TombstoneKey(key)];

    /// <summary>
    /// KEYS of list_read.lua for a read whose answers may count toward R: <see cref="Keys"/> and the node's epoch key (a
    /// node that lost it since its last check answers "not counted").
    /// </summary>
    public RedisKey[] ReadKeys(string key) => [key, keys.MetaKey(key), keys.TombstoneKey(key), epochKey];

    /// <summary>KEYS of list_claim.lua's claim and release: data, meta, element tombstones, claims, and the node's epoch key.</summary>
    public RedisKey[] ClaimKeys(string key) => [key, keys.MetaKey(key), keys.TombstoneKey(key), keys.ClaimKey(key), epochKey];

    /// <summary>KEYS of list_claim.lua's take: <see cref="ClaimKeys"/> with the slot index and digest before the epoch key when slot digests are on.</summary>
    public RedisKey[] TakeKeys(string key)
    {
        if (slots is null)
        {
            return ClaimKeys(key);
        }

        var (index, digest) = slots.Of(key);
        return [key, keys.MetaKey(key), keys.TombstoneKey(key), keys.ClaimKey(key), index, digest, epochKey];
    }

    /// <summary>KEYS of the list write scripts: <see cref="Keys"/>, plus the slot index and digest when slot digests are on.</summary>
    public RedisKey[] WriteKeys(string key)
    {
        if (slots is null)
        {
            return Keys(key);
        }

        var (index, digest) = slots.Of(key);
        return [key, keys.MetaKey(key), keys.TombstoneKey(key), index, digest];
    }
}

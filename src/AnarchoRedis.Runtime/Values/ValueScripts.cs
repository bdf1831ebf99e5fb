using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// The KEYS and ARGV of value_write.lua, for a write and for a repair alike: a repair writes exactly what the write path
/// writes for the same version (entry hash, due time, meta expiry), so every node ends with the same bookkeeping.
/// </summary>
internal sealed class ValueScripts(ReplicationContext context)
{
    public static readonly RedisValue ModeValue = "v";
    public static readonly RedisValue ModeTombstone = "t";
    public static readonly RedisValue ModeExpired = "x";
    private static readonly RedisValue Zero = "0";
    private static readonly RedisValue One = "1";

    private readonly KeySpace _keys = context.Keys;
    private readonly SlotKeys? _slots = context.Slots;

    /// <summary>
    /// KEYS of value_write.lua (and value_purge.lua) for a key: data and meta, plus its slot's index and digest when
    /// slot digests are on. Checks the key.
    /// </summary>
    public RedisKey[] WriteKeys(string key)
    {
        var metaKey = _keys.MetaKey(key);
        if (_slots is null)
        {
            return [key, metaKey];
        }

        var (index, digest) = _slots.Of(key);
        return [key, metaKey, index, digest];
    }

    /// <summary>
    /// ARGV of value_write.lua. With slot digests on, also the key's entry hash (of the key and version) and its due
    /// time: a tombstone is due when its grace period ends, a value with a time to live when its meta key expires.
    /// </summary>
    public RedisValue[] WriteArguments(string key, ReplicatedVersion version, RedisValue mode, RedisValue payload, long expiresAt, long deletedAt, string typeName, bool replaceEqual)
    {
        var metaExpiresAt = context.MetaExpiresAt(expiresAt);
        var args = new RedisValue[_slots is null ? 8 : 10];
        args[0] = version.ToString();
        args[1] = mode;
        args[2] = payload;
        args[3] = expiresAt == 0 ? Zero : expiresAt;
        args[4] = metaExpiresAt == 0 ? Zero : metaExpiresAt;
        args[5] = deletedAt == 0 ? Zero : deletedAt;
        args[6] = typeName;
        args[7] = replaceEqual ? One : Zero;
        if (_slots is not null)
        {
            var due = SlotEntry.EarliestDue(deletedAt == 0 ? 0 : deletedAt + context.GraceMs, metaExpiresAt);
            args[8] = SlotEntry.ValueHash(key, version);
            args[9] = due == 0 ? Zero : due;
        }

        return args;
    }

    /// <summary>The write script's arguments that copy <paramref name="winner"/>'s state, version and times to a node.</summary>
    public RedisValue[] RepairArguments(string key, in ValueReadReply winner, string typeName, bool replaceEqual)
    {
        var mode = winner.State switch
        {
            ValueState.Live => ModeValue,
            ValueState.Tombstone => ModeTombstone,
            _ => ModeExpired,
        };
        return WriteArguments(key, winner.Version, mode, winner.Payload ?? RedisValue.EmptyString, winner.ExpiresAt, winner.DeletedAt, typeName, replaceEqual);
    }
}

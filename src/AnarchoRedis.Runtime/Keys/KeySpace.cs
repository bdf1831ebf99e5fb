using System;
using System.Text;

namespace AnarchoRedis;

/// <summary>
/// Checks logical keys and names their companion keys. Every companion (the meta key, later the list tombstones)
/// must hash to the data key's cluster slot so one script can touch them all: a key with a hash tag keeps it
/// (<c>anrcho_version:user:{42}</c>); a key without one is wrapped whole (<c>anrcho_version:{user:42}</c>), which
/// hashes exactly what the bare key hashes. A key holding a <c>}</c> but no hash tag cannot be wrapped and is rejected.
/// So is a key whose hash tag is the whole key (<c>{user:42}</c>): its meta key would be the wrapped bare key's, and
/// dropping the braces changes nothing for slotting. With that one exclusion the naming is one-to-one.
/// </summary>
internal sealed class KeySpace
{
    private readonly int _maxKeyBytes;

    public KeySpace(string metaPrefix, int maxKeyBytes, string? tombstonePrefix = null)
    {
        if (tombstonePrefix is not null && (tombstonePrefix.Length == 0 || tombstonePrefix.AsSpan().IndexOfAny('{', '}') >= 0))
        {
            throw new ArgumentException("The list tombstone prefix must be non-empty and hold no '{' or '}'.", nameof(tombstonePrefix));
        }

        TombstonePrefix = tombstonePrefix;
        if (string.IsNullOrEmpty(metaPrefix) || metaPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("The meta key prefix must be non-empty and hold no '{' or '}'.", nameof(metaPrefix));
        }

        MetaPrefix = metaPrefix;
        _maxKeyBytes = maxKeyBytes;
    }

    public string MetaPrefix { get; }

    /// <summary>The prefix of list element tombstone keys, when lists are in use.</summary>
    public string? TombstonePrefix { get; }

    /// <summary>Checks a logical key and returns its list element tombstone key name.</summary>
    public string TombstoneKey(string key) =>
        Companion(TombstonePrefix ?? throw new InvalidOperationException("No list tombstone prefix was configured."), key);

    /// <summary>Checks a logical key and returns its meta key name.</summary>
    public string MetaKey(string key) => Companion(MetaPrefix, key);

    /// <summary>Names a companion key of <paramref name="key"/> in the same slot.</summary>
    public string Companion(string prefix, string key)
    {
        Validate(key);
        if (HashSlot.HasHashTag(key))
        {
            return string.Concat(prefix, key);
        }

        return string.Concat(prefix, "{", key, "}");
    }

    /// <summary>Whether the key is <c>{…}</c> with its only <c>}</c> at the end: the wrapped form of another key.</summary>
    public static bool IsWholeKeyHashTag(string key) =>
        key.Length > 2 && key[0] == '{' && key.IndexOf('}', StringComparison.Ordinal) == key.Length - 1;

    public void Validate(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidKeyException(key, "a key must not be null or empty.");
        }

        if (key.StartsWith(MetaPrefix, StringComparison.Ordinal))
        {
            throw new InvalidKeyException(key, $"it starts with the meta key prefix '{MetaPrefix}'.");
        }

        if (TombstonePrefix is not null && key.StartsWith(TombstonePrefix, StringComparison.Ordinal))
        {
            throw new InvalidKeyException(key, $"it starts with the list tombstone key prefix '{TombstonePrefix}'.");
        }

        if (Encoding.UTF8.GetByteCount(key) > _maxKeyBytes)
        {
            throw new InvalidKeyException(key, $"it is longer than {_maxKeyBytes} UTF-8 bytes (AnarchoRedisOptions.MaxKeyBytes).");
        }

        if (IsWholeKeyHashTag(key))
        {
            throw new InvalidKeyException(
                key,
                $"its hash tag is the whole key, so its meta key would be the same as that of '{key[1..^1]}'. Drop the braces: the key hashes to the same slot without them.");
        }

        if (!HashSlot.HasHashTag(key) && key.Contains('}', StringComparison.Ordinal))
        {
            throw new InvalidKeyException(
                key,
                "it contains '}' without a Redis Cluster hash tag, so no meta key can share its hash slot. Use a hash tag such as 'user:{id}'.");
        }
    }
}

using System;
using System.Buffers;
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

    public KeySpace(string metaPrefix, int maxKeyBytes, string? tombstonePrefix = null, string? slotPrefix = null, string? epochKey = null, string? hintPrefix = null, string? claimPrefix = null)
    {
        if (claimPrefix is not null && (claimPrefix.Length == 0 || claimPrefix.AsSpan().IndexOfAny('{', '}') >= 0))
        {
            throw new ArgumentException("The list claim prefix must be non-empty and hold no '{' or '}'.", nameof(claimPrefix));
        }

        ClaimPrefix = claimPrefix;
        if (epochKey is not null && epochKey.Length == 0)
        {
            throw new ArgumentException("The epoch key name must be non-empty.", nameof(epochKey));
        }

        if (hintPrefix is not null && hintPrefix.Length == 0)
        {
            throw new ArgumentException("The hint stream prefix must be non-empty.", nameof(hintPrefix));
        }

        EpochKey = epochKey;
        HintPrefix = hintPrefix;
        if (slotPrefix is not null && (slotPrefix.Length == 0 || slotPrefix.AsSpan().IndexOfAny('{', '}') >= 0))
        {
            throw new ArgumentException("The slot key prefix must be non-empty and hold no '{' or '}'.", nameof(slotPrefix));
        }

        SlotPrefix = slotPrefix;
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

    /// <summary>The prefix of the claims hashes of exactly-once pops, when lists are in use.</summary>
    public string? ClaimPrefix { get; }

    /// <summary>The prefix of the slot digest and slot index keys, reserved like the meta prefix.</summary>
    public string? SlotPrefix { get; }

    /// <summary>The name of the per-node epoch key (empty-restart detection), reserved: no user key may be named so.</summary>
    public string? EpochKey { get; }

    /// <summary>The prefix of the durable hint streams, reserved like the meta prefix.</summary>
    public string? HintPrefix { get; }

    /// <summary>Checks a logical key and returns its list element tombstone key name.</summary>
    public string TombstoneKey(string key) =>
        Companion(TombstonePrefix ?? throw new InvalidOperationException("No list tombstone prefix was configured."), key);

    /// <summary>Checks a logical key and returns the name of its claims hash (exactly-once pops).</summary>
    public string ClaimKey(string key) =>
        Companion(ClaimPrefix ?? throw new InvalidOperationException("No list claim prefix was configured."), key);

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

    /// <summary>
    /// The data key of a meta key (the inverse of <see cref="MetaKey"/>): the remainder after the prefix is the key
    /// itself, or <c>{X}</c> whose first <c>}</c> is its last character for a wrapped key X.
    /// </summary>
    /// <returns>False when the name does not start with the meta prefix or names no valid key.</returns>
    public bool TryDataKeyFromMetaKey(string metaKey, out string key)
    {
        key = string.Empty;
        if (metaKey is null || !metaKey.StartsWith(MetaPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = metaKey[MetaPrefix.Length..];
        var candidate = IsWholeKeyHashTag(rest) ? rest[1..^1] : rest;

        // The naming is one-to-one for valid keys; the round trip rejects any name the library would not make.
        if (Problem(candidate) is not null || !string.Equals(Companion(MetaPrefix, candidate), metaKey, StringComparison.Ordinal))
        {
            return false;
        }

        key = candidate;
        return true;
    }

    /// <summary>Whether the key is <c>{…}</c> with its only <c>}</c> at the end: the wrapped form of another key.</summary>
    public static bool IsWholeKeyHashTag(string key) =>
        key.Length > 2 && key[0] == '{' && key.IndexOf('}', StringComparison.Ordinal) == key.Length - 1;

    public void Validate(string key)
    {
        if (Problem(key) is { } problem)
        {
            throw new InvalidKeyException(key, problem);
        }
    }

    /// <summary>
    /// Whether the key holds a surrogate without its pair. Keys go to Redis as UTF-8, where such a char becomes U+FFFD,
    /// so two different keys would name one Redis key.
    /// </summary>
    private static bool HasLoneSurrogate(string key)
    {
        var rest = key.AsSpan();
        var at = rest.IndexOfAnyInRange('\uD800', '\uDFFF');
        while (at >= 0)
        {
            rest = rest[at..];
            if (Rune.DecodeFromUtf16(rest, out _, out var used) != OperationStatus.Done)
            {
                return true;
            }

            rest = rest[used..];
            at = rest.IndexOfAnyInRange('\uD800', '\uDFFF');
        }

        return false;
    }

    /// <summary>Why a key cannot be used, or <see langword="null"/> when it can.</summary>
    private string? Problem(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "a key must not be null or empty.";
        }

        if (HasLoneSurrogate(key))
        {
            return "it is not valid UTF-16 (a surrogate without its pair): Redis would receive U+FFFD in its place, the same bytes as for other keys.";
        }

        if (key.StartsWith(MetaPrefix, StringComparison.Ordinal))
        {
            return $"it starts with the meta key prefix '{MetaPrefix}'.";
        }

        if (TombstonePrefix is not null && key.StartsWith(TombstonePrefix, StringComparison.Ordinal))
        {
            return $"it starts with the list tombstone key prefix '{TombstonePrefix}'.";
        }

        if (ClaimPrefix is not null && key.StartsWith(ClaimPrefix, StringComparison.Ordinal))
        {
            return $"it starts with the list claim key prefix '{ClaimPrefix}'.";
        }

        if (SlotPrefix is not null && key.StartsWith(SlotPrefix, StringComparison.Ordinal))
        {
            return $"it starts with the slot digest key prefix '{SlotPrefix}'.";
        }

        if (EpochKey is not null && string.Equals(key, EpochKey, StringComparison.Ordinal))
        {
            return $"it is the name of the library's epoch key '{EpochKey}' (AnarchoRedisOptions.EpochKey).";
        }

        if (EpochKey is not null && key.StartsWith(EpochKey, StringComparison.Ordinal) && key.AsSpan(EpochKey.Length).StartsWith(":{", StringComparison.Ordinal))
        {
            return $"it is named like the library's per-slot epoch keys '{EpochKey}:{{tag}}' (a node that is a Redis Cluster keeps one per hash slot).";
        }

        if (HintPrefix is not null && key.StartsWith(HintPrefix, StringComparison.Ordinal))
        {
            return $"it starts with the hint stream prefix '{HintPrefix}'.";
        }

        if (Encoding.UTF8.GetByteCount(key) > _maxKeyBytes)
        {
            return $"it is longer than {_maxKeyBytes} UTF-8 bytes (AnarchoRedisOptions.MaxKeyBytes).";
        }

        if (IsWholeKeyHashTag(key))
        {
            return $"its hash tag is the whole key, so its meta key would be the same as that of '{key[1..^1]}'. Drop the braces: the key hashes to the same slot without them.";
        }

        if (!HashSlot.HasHashTag(key) && key.Contains('}', StringComparison.Ordinal))
        {
            return "it contains '}' without a Redis Cluster hash tag, so no meta key can share its hash slot. Use a hash tag such as 'user:{id}'.";
        }

        return null;
    }
}

using System;
using System.Threading;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Names the two per-slot hashes the write scripts keep for anti-entropy: <c>{prefix}{T}:digest</c> (sum of entry
/// hashes, earliest due time) and <c>{prefix}{T}:keys</c> (one entry per replicated key). <c>T</c> is the slot's tag,
/// the first string of <c>[0-9a-z]</c> (shortest first, then in alphabet order) that hashes to the slot, so both keys
/// live in the slot they describe and one script can update them together with the key it writes.
/// </summary>
internal sealed class SlotKeys
{
    private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

    private static string[]? _tags;

    private readonly string _prefix;
    private readonly string?[] _digestKeys = new string?[HashSlot.Count];
    private readonly string?[] _indexKeys = new string?[HashSlot.Count];

    public SlotKeys(string prefix)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("The slot key prefix must be non-empty and hold no '{' or '}'.", nameof(prefix));
        }

        _prefix = prefix;
    }

    /// <summary>The prefix every slot key starts with.</summary>
    public string Prefix => _prefix;

    /// <summary>The slot's tag (at most 4 characters; computed once for all slots, on first use).</summary>
    public static string Tag(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, HashSlot.Count);
        return (Volatile.Read(ref _tags) ?? LazyInitializer.EnsureInitialized(ref _tags, BuildTags))[slot];
    }

    /// <summary>The slot digest hash of a slot: <c>s</c> (sum of entry hashes) and <c>m</c> (earliest due time).</summary>
    // A string per slot is cached (a reference write is atomic, so a race only builds the same string twice); the
    // RedisKey made from it allocates nothing.
    public RedisKey DigestKey(int slot) => _digestKeys[slot] ??= string.Concat(_prefix, "{", Tag(slot), "}:digest");

    /// <summary>The slot index hash of a slot: data key name to entry (<c>"h"</c> or <c>"h:due"</c>).</summary>
    public RedisKey IndexKey(int slot) => _indexKeys[slot] ??= string.Concat(_prefix, "{", Tag(slot), "}:keys");

    /// <summary>The slot index and slot digest keys of a data key's slot.</summary>
    public (RedisKey Index, RedisKey Digest) Of(string key)
    {
        var slot = HashSlot.Of(key);
        return (IndexKey(slot), DigestKey(slot));
    }

    private static string[] BuildTags()
    {
        var tags = new string[HashSlot.Count];
        var missing = HashSlot.Count;
        Span<byte> buffer = stackalloc byte[8];
        Span<int> odometer = stackalloc int[8];
        for (var length = 1; missing > 0; length++)
        {
            if (length > buffer.Length)
            {
                throw new InvalidOperationException("Some hash slot has no short tag (cannot happen with CRC16).");
            }

            // Odometer over [0-9a-z]^length, lexicographic in the alphabet's order (which is also ASCII order).
            var digits = odometer[..length];
            digits.Clear();
            var word = buffer[..length];
            word.Fill((byte)Alphabet[0]);
            while (true)
            {
                var slot = HashSlot.Of(word);
                if (tags[slot] is null)
                {
                    tags[slot] = System.Text.Encoding.ASCII.GetString(word);
                    if (--missing == 0)
                    {
                        break;
                    }
                }

                var position = length - 1;
                while (position >= 0 && digits[position] == Alphabet.Length - 1)
                {
                    digits[position] = 0;
                    word[position] = (byte)Alphabet[0];
                    position--;
                }

                if (position < 0)
                {
                    break;
                }

                digits[position]++;
                word[position] = (byte)Alphabet[digits[position]];
            }
        }

        return tags;
    }
}

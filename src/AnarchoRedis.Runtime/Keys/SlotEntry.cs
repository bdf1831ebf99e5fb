using System;
using System.Buffers;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// A key's entry in its slot index: a 40-bit entry hash that changes whenever the key's replicated state changes, and
/// an optional due time (Unix ms) when the key needs a maintenance visit. Text form <c>"h"</c> or <c>"h:due"</c>.
/// </summary>
internal static class SlotEntry
{
    /// <summary>Entry hashes are 40 bits: a signed 64-bit sum of them cannot overflow below 2^23 keys per slot.</summary>
    public const long Mask = (1L << 40) - 1;

    private const int StackLimit = 512;

    /// <summary>
    /// The entry hash of a value: the low 40 bits of XxHash3-64 over <c>UTF-8(key) || 0x00 || ASCII(version)</c>. The
    /// version names the write (the same version is the same value, tombstone or expiry), so every node that holds it
    /// computes the same entry.
    /// </summary>
    public static long ValueHash(string key, ReplicatedVersion version)
    {
        var max = Encoding.UTF8.GetMaxByteCount(key.Length) + 1 + ReplicatedVersion.TextLength;
        byte[]? rented = null;
        Span<byte> buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(key, buffer);
            buffer[length++] = 0;
            Span<char> text = stackalloc char[ReplicatedVersion.TextLength];
            version.TryFormat(text, out _, default, null);
            for (var i = 0; i < text.Length; i++)
            {
                buffer[length++] = (byte)text[i];
            }

            return (long)(XxHash3.HashToUInt64(buffer[..length]) & Mask);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// An entry's weight in its slot digest's sum <c>s</c>: <c>(hash + due) mod 2^40</c> (slot_common.lua), so that the sum
    /// covers due times as well as states and two nodes whose entries differ only in a due time differ in <c>s</c>.
    /// </summary>
    public static long Weight(long hash, long due) => (hash + due) & Mask;

    /// <summary>The earlier of two due times (Unix ms), 0 meaning none.</summary>
    public static long EarliestDue(long a, long b) => a == 0 ? b : b == 0 ? a : Math.Min(a, b);

    /// <summary>Parses <c>"h"</c> or <c>"h:due"</c> (decimal, non-negative); <paramref name="due"/> is 0 when absent.</summary>
    public static bool TryParse(RedisValue entry, out long hash, out long due)
    {
        hash = 0;
        due = 0;
        if (entry.IsNull)
        {
            return false;
        }

        var text = ((string?)entry).AsSpan();
        var colon = text.IndexOf(':');
        var hashText = colon < 0 ? text : text[..colon];
        if (!long.TryParse(hashText, NumberStyles.None, CultureInfo.InvariantCulture, out hash) || hash > Mask)
        {
            hash = 0;
            return false;
        }

        if (colon >= 0 && !long.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out due))
        {
            hash = 0;
            due = 0;
            return false;
        }

        return true;
    }

    /// <summary>The text form: <c>"h"</c> when <paramref name="due"/> is 0, else <c>"h:due"</c>.</summary>
    public static string Format(long hash, long due) =>
        due == 0
            ? hash.ToString(CultureInfo.InvariantCulture)
            : string.Concat(hash.ToString(CultureInfo.InvariantCulture), ":", due.ToString(CultureInfo.InvariantCulture));
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace AnarchoRedis;

/// <summary>
/// The order-independent digest of a list's live ids: the XOR of each id's element hash, the first 16 hex digits of
/// SHA-1 of its 32 hex ASCII bytes. SHA-1 rather than a faster hash because Lua can compute it too
/// (<c>redis.sha1hex</c>): a script that drops elements it was not told about (a list delete racing a newer push)
/// must take their hashes out of the digest itself. The client still sends the hashes of what it writes, so the
/// common path costs the nodes nothing.
/// XOR makes it incremental on the nodes: a push and a removal both XOR the element's hash in. Equal count and
/// digest are taken to mean equal lists. Lua has only 32-bit bit ops, so it keeps the two halves separately.
/// </summary>
internal static class ListDigest
{
    public const int TextLength = 16;

    public static ulong ElementHash(ReplicatedVersion id)
    {
        Span<byte> text = stackalloc byte[ReplicatedVersion.TextLength];
        ListEnvelope.WriteId(id, text);
        Span<byte> sha1 = stackalloc byte[20];
        SHA1.HashData(text, sha1);
        return BinaryPrimitives.ReadUInt64BigEndian(sha1);
    }

    /// <summary>The digest of distinct ids (a repeated id cancels itself out, as XOR does).</summary>
    public static ulong Of(IEnumerable<ReplicatedVersion> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var digest = 0UL;
        foreach (var id in ids)
        {
            digest ^= ElementHash(id);
        }

        return digest;
    }

    /// <summary>The digest after adding an id, or after removing it: both are the same XOR.</summary>
    public static ulong Toggle(ulong digest, ReplicatedVersion id) => digest ^ ElementHash(id);

    public static (uint High, uint Low) Split(ulong digest) => ((uint)(digest >> 32), (uint)digest);

    public static ulong Join(uint high, uint low) => ((ulong)high << 32) | low;

    /// <summary>
    /// Joins halves as a script returns them as integers: Lua's <c>bit.bxor</c> yields signed 32-bit values, so a
    /// half may arrive negative; only its low 32 bits count.
    /// </summary>
    public static ulong FromLuaHalves(long high, long low) => Join((uint)(high & 0xFFFFFFFF), (uint)(low & 0xFFFFFFFF));

    /// <summary>16 lowercase hex digits: high half then low half, as Lua's <c>bit.tohex(h, 8) .. bit.tohex(l, 8)</c>.</summary>
    public static string Format(ulong digest) => digest.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Parses exactly 16 hex digits (either case, since Lua's <c>bit.tohex</c> may be asked for uppercase).</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ulong digest)
    {
        digest = 0;
        if (text.Length != TextLength)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out digest);
    }

    /// <summary>Parses the digest given as UTF-8 bytes, as a node returns it.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out ulong digest)
    {
        digest = 0;
        if (utf8.Length != TextLength)
        {
            return false;
        }

        Span<char> chars = stackalloc char[TextLength];
        for (var i = 0; i < TextLength; i++)
        {
            chars[i] = (char)utf8[i];
        }

        return TryParse(chars, out digest);
    }
}

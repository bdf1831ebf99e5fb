using System;

namespace AnarchoRedis;

/// <summary>
/// The bytes of a list element on a node: 1 byte side (<c>'L'</c> or <c>'R'</c>), the id as 32 lowercase hex ASCII
/// bytes, then the MessagePack payload. Lua reads the side as <c>string.sub(e, 1, 1)</c> and the id as
/// <c>string.sub(e, 2, 33)</c>, and ids compare as strings exactly as versions do.
/// </summary>
internal static class ListEnvelope
{
    public const int HeaderLength = 1 + ReplicatedVersion.TextLength;

    public static byte[] Encode(ReplicatedVersion id, ListSide side, ReadOnlySpan<byte> payload)
    {
        if (side is not (ListSide.Left or ListSide.Right))
        {
            throw new ArgumentOutOfRangeException(nameof(side), side, "A list element is pushed at the left or the right.");
        }

        var envelope = new byte[HeaderLength + payload.Length];
        envelope[0] = (byte)side;
        WriteId(id, envelope.AsSpan(1, ReplicatedVersion.TextLength));
        payload.CopyTo(envelope.AsSpan(HeaderLength));
        return envelope;
    }

    /// <summary>Decodes an envelope; the payload is a slice of <paramref name="envelope"/>, not a copy.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> envelope, out ListElement element)
    {
        element = default;
        var span = envelope.Span;
        if (span.Length < HeaderLength || span[0] is not ((byte)ListSide.Left or (byte)ListSide.Right))
        {
            return false;
        }

        // ReplicatedVersion.TryParse accepts lowercase hex only, which keeps one text per id (Lua compares strings).
        if (!ReplicatedVersion.TryParse(span.Slice(1, ReplicatedVersion.TextLength), out var id))
        {
            return false;
        }

        element = new ListElement(id, (ListSide)span[0], envelope[HeaderLength..]);
        return true;
    }

    /// <summary>Writes the 32 lowercase hex ASCII bytes of an id, as the nodes store and compare it.</summary>
    public static void WriteId(ReplicatedVersion id, Span<byte> destination)
    {
        if (destination.Length < ReplicatedVersion.TextLength)
        {
            throw new ArgumentException("An id takes 32 bytes.", nameof(destination));
        }

        WriteHex(id.Clock, destination[..16]);
        WriteHex(id.WriterId, destination.Slice(16, 16));
    }

    private static void WriteHex(ulong value, Span<byte> destination)
    {
        for (var i = 15; i >= 0; i--)
        {
            destination[i] = (byte)"0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }
    }
}

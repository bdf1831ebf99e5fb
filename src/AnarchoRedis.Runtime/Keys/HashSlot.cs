using System;
using System.Text;

namespace AnarchoRedis;

/// <summary>Redis Cluster hash slots: CRC16 (XMODEM) of the key's hash tag, or of the whole key, mod 16384.</summary>
public static class HashSlot
{
    /// <summary>The number of slots.</summary>
    public const int Count = 16384;

    private static readonly ushort[] Table = BuildTable();

    /// <summary>The slot of a key.</summary>
    /// <param name="key">The key.</param>
    /// <returns>0..16383.</returns>
    public static int Of(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        var buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(key, buffer);
        return Of(buffer[..length]);
    }

    /// <summary>The slot of a key given as bytes.</summary>
    /// <param name="key">The key.</param>
    /// <returns>0..16383.</returns>
    public static int Of(ReadOnlySpan<byte> key) => Crc16(HashedPart(key)) & (Count - 1);

    /// <summary>The part of the key that is hashed: the content of the first non-empty <c>{…}</c>, else the whole key.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The hashed part.</returns>
    public static ReadOnlySpan<byte> HashedPart(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open < 0)
        {
            return key;
        }

        var close = key[(open + 1)..].IndexOf((byte)'}');
        return close <= 0 ? key : key.Slice(open + 1, close);
    }

    /// <summary>Whether a key has a hash tag (a non-empty <c>{…}</c>), in the sense of Redis Cluster.</summary>
    /// <param name="key">The key.</param>
    /// <returns>Whether it has one.</returns>
    public static bool HasHashTag(ReadOnlySpan<char> key)
    {
        var open = key.IndexOf('{');
        if (open < 0)
        {
            return false;
        }

        var close = key[(open + 1)..].IndexOf('}');
        return close > 0;
    }

    private static int Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (var b in data)
        {
            crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xFF]);
        }

        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }

            table[i] = crc;
        }

        return table;
    }
}

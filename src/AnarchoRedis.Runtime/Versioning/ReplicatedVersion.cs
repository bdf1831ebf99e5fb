using System;
using System.Buffers.Binary;
using System.Globalization;

namespace AnarchoRedis;

/// <summary>
/// The identity of one write: a 64-bit hybrid logical clock (48 bits of Unix milliseconds, 16 bits of counter)
/// followed by the 64-bit id of the writer. Totally ordered, first by clock, then by writer.
/// </summary>
/// <remarks>
/// On the nodes a version is stored as 32 lowercase hex digits and compared as such (never as a Lua number,
/// which is a double and loses order above 2^53).
/// </remarks>
public readonly struct ReplicatedVersion : IEquatable<ReplicatedVersion>, IComparable<ReplicatedVersion>, ISpanFormattable
{
    /// <summary>The number of characters of the text form.</summary>
    public const int TextLength = 32;

    /// <summary>Creates a version from its two halves.</summary>
    /// <param name="clock">The hybrid logical clock value.</param>
    /// <param name="writerId">The writer id.</param>
    public ReplicatedVersion(ulong clock, ulong writerId)
    {
        Clock = clock;
        WriterId = writerId;
    }

    /// <summary>The smallest version; older than any write.</summary>
    public static ReplicatedVersion Zero => default;

    /// <summary>The hybrid logical clock: milliseconds &lt;&lt; 16 | counter.</summary>
    public ulong Clock { get; }

    /// <summary>The id of the client instance that made the write.</summary>
    public ulong WriterId { get; }

    /// <summary>The wall-clock part of <see cref="Clock"/>.</summary>
    public DateTimeOffset Timestamp => DateTimeOffset.FromUnixTimeMilliseconds((long)(Clock >> 16));

    /// <summary>The logical counter part of <see cref="Clock"/>.</summary>
    public ushort Counter => (ushort)(Clock & 0xFFFF);

    /// <summary>Whether this is <see cref="Zero"/>.</summary>
    public bool IsZero => Clock == 0 && WriterId == 0;

    /// <summary>Parses the 32-hex-digit text form.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The version.</returns>
    /// <exception cref="FormatException">The text is not 32 hex digits.</exception>
    public static ReplicatedVersion Parse(ReadOnlySpan<char> text) =>
        TryParse(text, out var version) ? version : throw new FormatException($"'{text.ToString()}' is not a version (32 lowercase hex digits).");

    /// <summary>Tries to parse the 32-hex-digit text form (lowercase, as the nodes store it).</summary>
    /// <param name="text">The text.</param>
    /// <param name="version">The version, when the text is valid.</param>
    /// <returns>Whether the text is a valid version.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out ReplicatedVersion version)
    {
        version = default;
        if (text.Length != TextLength)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        if (!ulong.TryParse(text[..16], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var clock) ||
            !ulong.TryParse(text[16..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var writer))
        {
            return false;
        }

        version = new ReplicatedVersion(clock, writer);
        return true;
    }

    /// <summary>Parses the text form given as UTF-8 bytes, as a node returns it.</summary>
    /// <param name="utf8">The bytes.</param>
    /// <param name="version">The version, when valid.</param>
    /// <returns>Whether the bytes are a valid version.</returns>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out ReplicatedVersion version)
    {
        version = default;
        if (utf8.Length != TextLength)
        {
            return false;
        }

        Span<char> chars = stackalloc char[TextLength];
        for (var i = 0; i < TextLength; i++)
        {
            chars[i] = (char)utf8[i];
        }

        return TryParse(chars, out version);
    }

    /// <summary>The 16 bytes, big-endian clock then writer: the byte order that sorts like the version.</summary>
    /// <param name="destination">At least 16 bytes.</param>
    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, Clock);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], WriterId);
    }

    /// <inheritdoc />
    public int CompareTo(ReplicatedVersion other)
    {
        var byClock = Clock.CompareTo(other.Clock);
        return byClock != 0 ? byClock : WriterId.CompareTo(other.WriterId);
    }

    /// <inheritdoc />
    public bool Equals(ReplicatedVersion other) => Clock == other.Clock && WriterId == other.WriterId;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ReplicatedVersion other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Clock, WriterId);

    /// <summary>The 32 lowercase hex digits.</summary>
    /// <returns>The text form.</returns>
    public override string ToString() => string.Create(TextLength, this, static (span, v) => v.TryFormat(span, out _, default, null));

    /// <inheritdoc />
    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    /// <inheritdoc />
    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        if (destination.Length < TextLength)
        {
            charsWritten = 0;
            return false;
        }

        Clock.TryFormat(destination, out _, "x16", CultureInfo.InvariantCulture);
        WriterId.TryFormat(destination[16..], out _, "x16", CultureInfo.InvariantCulture);
        charsWritten = TextLength;
        return true;
    }

    /// <summary>Whether <paramref name="left"/> is older.</summary>
    public static bool operator <(ReplicatedVersion left, ReplicatedVersion right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> is newer.</summary>
    public static bool operator >(ReplicatedVersion left, ReplicatedVersion right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> is older or equal.</summary>
    public static bool operator <=(ReplicatedVersion left, ReplicatedVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Whether <paramref name="left"/> is newer or equal.</summary>
    public static bool operator >=(ReplicatedVersion left, ReplicatedVersion right) => left.CompareTo(right) >= 0;

    /// <summary>Equality.</summary>
    public static bool operator ==(ReplicatedVersion left, ReplicatedVersion right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(ReplicatedVersion left, ReplicatedVersion right) => !left.Equals(right);
}

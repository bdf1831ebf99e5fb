using System;
using System.Text;
using CsCheck;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Versioning;

public sealed class ReplicatedVersionTests
{
    private const long Iterations = 2_000;

    /// <summary>Any version, with extra weight on the edges (0, max, around 2^53 and 2^63).</summary>
    internal static readonly Gen<ulong> Half = Gen.Frequency(
        (4, (IGen<ulong>)Gen.ULong),
        (1, Gen.OneOf(0UL, 1UL, ulong.MaxValue, ulong.MaxValue - 1, 1UL << 53, (1UL << 53) + 1, 1UL << 63, (1UL << 63) - 1)),
        (2, Gen.ULong[(1UL << 53) - 64, (1UL << 53) + 64]));

    internal static readonly Gen<ReplicatedVersion> Versions =
        Gen.Select(Half, Half).Select((clock, writer) => new ReplicatedVersion(clock, writer));

    [Fact]
    public void Text_form_is_32_lowercase_hex_digits_clock_then_writer()
    {
        var version = new ReplicatedVersion(0x0123456789ABCDEF, 0xFEDCBA9876543210);

        Assert.Equal("0123456789abcdeffedcba9876543210", version.ToString());
        Assert.Equal(ReplicatedVersion.TextLength, version.ToString().Length);
        Assert.Equal("00000000000000000000000000000000", ReplicatedVersion.Zero.ToString());
        Assert.Equal(version, ReplicatedVersion.Parse("0123456789abcdeffedcba9876543210"));
    }

    [Fact]
    public void Text_round_trips_through_the_utf8_overload_as_a_node_returns_it()
    {
        var version = new ReplicatedVersion(0x00000190ABCD0001, 42);
        var utf8 = Encoding.UTF8.GetBytes(version.ToString());

        Assert.True(ReplicatedVersion.TryParse(utf8.AsSpan(), out var parsed));
        Assert.Equal(version, parsed);
    }

    [Fact]
    public void TryFormat_refuses_a_destination_shorter_than_32_chars()
    {
        var version = new ReplicatedVersion(1, 2);
        Span<char> small = stackalloc char[31];

        Assert.False(version.TryFormat(small, out var written, default, null));
        Assert.Equal(0, written);
    }

    [Theory]
    [InlineData("0123456789ABCDEFfedcba9876543210")] // uppercase in the clock
    [InlineData("0123456789abcdefFEDCBA9876543210")] // uppercase in the writer
    [InlineData("0123456789abcdeffedcba987654321")] // 31 digits
    [InlineData("0123456789abcdeffedcba98765432100")] // 33 digits
    [InlineData("")]
    [InlineData("0123456789abcdefgedcba9876543210")] // 'g'
    [InlineData("0x23456789abcdeffedcba9876543210")] // hex prefix
    [InlineData(" 123456789abcdeffedcba9876543210")] // leading space
    [InlineData("-123456789abcdeffedcba9876543210")] // sign
    [InlineData("0123456789abcdef fedcba987654321")] // inner space
    public void TryParse_rejects_anything_but_32_lowercase_hex_digits(string text)
    {
        Assert.False(ReplicatedVersion.TryParse(text.AsSpan(), out var version));
        Assert.Equal(ReplicatedVersion.Zero, version);
        Assert.False(ReplicatedVersion.TryParse(Encoding.UTF8.GetBytes(text).AsSpan(), out _));
        Assert.Throws<FormatException>(() => ReplicatedVersion.Parse(text));
    }

    [Fact]
    public void TryParse_of_utf8_rejects_non_ascii_bytes_that_would_widen_to_hex_like_chars()
    {
        // 32 bytes, one of them a byte > 0x7F; must not be read as a digit.
        var bytes = Encoding.ASCII.GetBytes("0123456789abcdeffedcba9876543210");
        bytes[5] = 0xE1;

        Assert.False(ReplicatedVersion.TryParse(bytes.AsSpan(), out _));
    }

    [Fact]
    public void Orders_by_clock_first_then_by_writer()
    {
        var older = new ReplicatedVersion(5, ulong.MaxValue);
        var newer = new ReplicatedVersion(6, 0);
        var sameClockLowWriter = new ReplicatedVersion(6, 1);
        var sameClockHighWriter = new ReplicatedVersion(6, 2);

        Assert.True(older < newer);
        Assert.True(newer > older);
        Assert.True(sameClockLowWriter < sameClockHighWriter);
        Assert.True(newer < sameClockLowWriter);
        Assert.True(new ReplicatedVersion(6, 2) >= sameClockHighWriter);
        Assert.True(new ReplicatedVersion(6, 2) <= sameClockHighWriter);
        Assert.Equal(0, new ReplicatedVersion(6, 2).CompareTo(sameClockHighWriter));
        Assert.True(new ReplicatedVersion(6, 2) == sameClockHighWriter);
        Assert.True(older != newer);
        Assert.True(ReplicatedVersion.Zero < new ReplicatedVersion(0, 1));
        Assert.True(ReplicatedVersion.Zero.IsZero);
        Assert.False(new ReplicatedVersion(0, 1).IsZero);
    }

    [Fact]
    public void Compares_unsigned_so_the_top_bit_is_the_newest_not_negative()
    {
        Assert.True(new ReplicatedVersion(1UL << 63, 0) > new ReplicatedVersion((1UL << 63) - 1, ulong.MaxValue));
        Assert.True(new ReplicatedVersion(7, 1UL << 63) > new ReplicatedVersion(7, (1UL << 63) - 1));
    }

    [Fact]
    public void Exposes_the_wall_clock_and_counter_parts_of_the_clock()
    {
        var ms = DateTimeOffset.Parse("2026-11-27T06:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var version = new ReplicatedVersion(((ulong)ms << 16) | 0x0102, 9);

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(ms), version.Timestamp);
        Assert.Equal((ushort)0x0102, version.Counter);
    }

    [Fact]
    public void Versions_that_a_double_merges_above_2_pow_53_stay_distinct_and_ordered()
    {
        var a = new ReplicatedVersion(1UL << 53, 0);
        var b = new ReplicatedVersion((1UL << 53) + 1, 0);

        Assert.Equal((double)a.Clock, (double)b.Clock); // a Lua number cannot tell them apart
        Assert.True(a < b);
        Assert.True(string.CompareOrdinal(a.ToString(), b.ToString()) < 0);
        Assert.NotEqual(a.ToString(), b.ToString());
    }

    [Fact]
    public void Bytes_are_big_endian_clock_then_writer()
    {
        var bytes = new byte[16];
        new ReplicatedVersion(0x0102030405060708, 0x1112131415161718).WriteBytes(bytes);

        Assert.Equal(
            new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18 },
            bytes);
    }

    [Fact]
    public void Property_parse_of_format_is_identity()
    {
        Versions.Sample(
            v =>
            {
                var text = v.ToString();
                return text.Length == 32
                    && text == text.ToLowerInvariant()
                    && ReplicatedVersion.TryParse(text.AsSpan(), out var back) && back == v
                    && ReplicatedVersion.TryParse(Encoding.ASCII.GetBytes(text).AsSpan(), out var fromBytes) && fromBytes == v
                    && $"{v}" == text;
            },
            iter: Iterations);
    }

    [Fact]
    public void Property_ordinal_order_of_the_text_is_the_version_order()
    {
        // What the Lua scripts rely on: comparing the stored strings orders versions exactly as CompareTo does.
        Gen.Select(Versions, Versions).Sample(
            (a, b) => Math.Sign(string.CompareOrdinal(a.ToString(), b.ToString())) == Math.Sign(a.CompareTo(b)),
            iter: Iterations);
    }

    [Fact]
    public void Property_versions_a_double_would_merge_stay_ordered()
    {
        // Clocks above 2^53 that differ by less than a double's spacing there.
        var big = Gen.ULong[1UL << 53, ulong.MaxValue - 4096];
        var close = Gen.Select(big, Gen.ULong[1, 1024], Gen.ULong, Gen.ULong)
            .Select((clock, delta, w1, w2) => (Low: new ReplicatedVersion(clock, w1), High: new ReplicatedVersion(clock + delta, w2)));

        close.Sample(
            pair => pair.Low < pair.High
                && pair.High > pair.Low
                && string.CompareOrdinal(pair.Low.ToString(), pair.High.ToString()) < 0,
            iter: Iterations);
    }

    [Fact]
    public void Property_byte_order_sorts_like_CompareTo()
    {
        Gen.Select(Versions, Versions).Sample(
            (a, b) =>
            {
                var x = new byte[16];
                var y = new byte[16];
                a.WriteBytes(x);
                b.WriteBytes(y);
                return Math.Sign(x.AsSpan().SequenceCompareTo(y)) == Math.Sign(a.CompareTo(b));
            },
            iter: Iterations);
    }

    [Fact]
    public void Property_equality_and_hash_agree_with_CompareTo()
    {
        Gen.Select(Versions, Versions).Sample(
            (a, b) => (a == b) == (a.CompareTo(b) == 0)
                && a.Equals(b) == (a.CompareTo(b) == 0)
                && a.Equals((object)b) == (a == b)
                && (a != b || a.GetHashCode() == b.GetHashCode())
                && Math.Sign(a.CompareTo(b)) == -Math.Sign(b.CompareTo(a)),
            iter: Iterations);
    }
}

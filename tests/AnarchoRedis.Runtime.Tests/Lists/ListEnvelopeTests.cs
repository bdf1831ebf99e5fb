using System;
using System.Text;
using AnarchoRedis.Runtime.Tests.Versioning;
using CsCheck;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Lists;

public sealed class ListEnvelopeTests
{
    private const string IdText = "0123456789abcdeffedcba9876543210";

    private static readonly ReplicatedVersion Id = ReplicatedVersion.Parse(IdText);

    [Fact]
    public void Layout_is_side_byte_then_32_hex_id_bytes_then_payload()
    {
        var envelope = ListEnvelope.Encode(Id, ListSide.Right, [0x91, 0x01]);

        Assert.Equal(ListEnvelope.HeaderLength + 2, envelope.Length);
        Assert.Equal((byte)'R', envelope[0]);
        Assert.Equal(IdText, Encoding.ASCII.GetString(envelope, 1, 32));
        Assert.Equal(new byte[] { 0x91, 0x01 }, envelope[33..]);
        Assert.Equal((byte)'L', ListEnvelope.Encode(Id, ListSide.Left, [])[0]);
    }

    [Fact]
    public void Payload_may_be_empty()
    {
        var envelope = ListEnvelope.Encode(Id, ListSide.Left, ReadOnlySpan<byte>.Empty);

        Assert.Equal(ListEnvelope.HeaderLength, envelope.Length);
        Assert.True(ListEnvelope.TryDecode(envelope, out var element));
        Assert.Equal(new ListElement(Id, ListSide.Left, ReadOnlyMemory<byte>.Empty), element);
        Assert.True(element.Payload.IsEmpty);
    }

    [Fact]
    public void Encode_refuses_a_side_that_is_neither_left_nor_right()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ListEnvelope.Encode(Id, (ListSide)'X', [1]));
    }

    [Theory]
    [InlineData("")] // nothing
    [InlineData("L")] // side only
    [InlineData("L0123456789abcdeffedcba987654321")] // 31 id digits, no payload: too short
    [InlineData("X0123456789abcdeffedcba9876543210")] // unknown side
    [InlineData("l0123456789abcdeffedcba9876543210")] // lowercase side
    [InlineData("r0123456789abcdeffedcba9876543210payload")]
    [InlineData("L0123456789ABCDEFfedcba9876543210")] // uppercase id
    [InlineData("R0123456789abcdeffedcba987654321F")] // one uppercase digit
    [InlineData("L0123456789abcdefgedcba9876543210")] // 'g'
    [InlineData("L 123456789abcdeffedcba9876543210")] // space
    [InlineData("L-123456789abcdeffedcba9876543210")] // sign
    [InlineData("{\"name\":\"a plain JSON value written by someone else\"}")] // foreign data
    public void TryDecode_rejects_what_is_not_an_envelope(string text)
    {
        Assert.False(ListEnvelope.TryDecode(Encoding.ASCII.GetBytes(text), out var element));
        Assert.Equal(default, element);
    }

    [Fact]
    public void TryDecode_rejects_a_zero_side_byte_and_non_ascii_id_bytes()
    {
        var envelope = ListEnvelope.Encode(Id, ListSide.Left, [1, 2]);
        var zeroSide = (byte[])envelope.Clone();
        zeroSide[0] = 0;
        var highByte = (byte[])envelope.Clone();
        highByte[5] = 0xE0;

        Assert.False(ListEnvelope.TryDecode(zeroSide, out _));
        Assert.False(ListEnvelope.TryDecode(highByte, out _));
    }

    [Fact]
    public void TryDecode_payload_is_a_slice_of_the_input()
    {
        var envelope = ListEnvelope.Encode(Id, ListSide.Right, [7, 8, 9]);

        Assert.True(ListEnvelope.TryDecode(envelope, out var element));
        envelope[^1] = 10;
        Assert.Equal(new byte[] { 7, 8, 10 }, element.Payload.ToArray());
    }

    [Fact]
    public void Property_decode_of_encode_is_identity()
    {
        var sides = Gen.OneOf(ListSide.Left, ListSide.Right);
        Gen.Select(ReplicatedVersionTests.Versions, sides, Gen.Byte.Array[0, 64]).Sample(
            (id, side, payload) =>
            {
                var envelope = ListEnvelope.Encode(id, side, payload);
                Assert.Equal(ListEnvelope.HeaderLength + payload.Length, envelope.Length);
                Assert.Equal(id.ToString(), Encoding.ASCII.GetString(envelope, 1, ReplicatedVersion.TextLength));
                Assert.True(ListEnvelope.TryDecode(envelope, out var element));
                Assert.Equal(new ListElement(id, side, payload), element);
                Assert.Equal(envelope, element.ToEnvelope());
            },
            iter: 2_000);
    }

    [Fact]
    public void Elements_are_equal_by_payload_content_not_by_memory()
    {
        var a = new ListElement(Id, ListSide.Left, new byte[] { 1, 2, 3 });
        var b = new ListElement(Id, ListSide.Left, new byte[] { 0, 1, 2, 3 }.AsMemory(1));

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Side = ListSide.Right });
        Assert.NotEqual(a, b with { Payload = new byte[] { 1, 2 } });
        Assert.NotEqual(a, b with { Id = new ReplicatedVersion(1, 1) });
    }
}

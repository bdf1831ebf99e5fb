using System;
using System.Linq;
using MessagePack;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.AntiEntropy;

public sealed class MessagePackShapeTests
{
    public sealed record Sample(int Id, string Name, int[] Values);

    private static byte[] Serialize<T>(T value) => MessagePackSerializer.Serialize(value, ValueCodec<object>.DefaultOptions);

    [Fact]
    public void Payloads_the_library_writes_are_well_formed()
    {
        Assert.True(MessagePackShape.IsWellFormed(Serialize(new Sample(1, "a", [1, 2, 3]))));
        Assert.True(MessagePackShape.IsWellFormed(Serialize(42)));
        Assert.True(MessagePackShape.IsWellFormed(Serialize(new string('x', 100_000))));
    }

    [Fact]
    public void Empty_truncated_and_trailing_bytes_are_not()
    {
        var good = Serialize(new Sample(1, "abc", [1, 2, 3]));
        Assert.False(MessagePackShape.IsWellFormed(ReadOnlyMemory<byte>.Empty));
        for (var length = 1; length < good.Length; length++)
        {
            Assert.False(MessagePackShape.IsWellFormed(good.AsMemory(0, length)), $"truncated to {length} bytes");
        }

        Assert.False(MessagePackShape.IsWellFormed(good.Concat(new byte[] { 0x01 }).ToArray()));
    }

    [Fact]
    public void A_header_claiming_two_billion_elements_and_the_never_used_byte_are_rejected_quickly()
    {
        // array 32 with count 2^31 - 1, then nothing.
        Assert.False(MessagePackShape.IsWellFormed(new byte[] { 0xdd, 0x7f, 0xff, 0xff, 0xff }));
        Assert.False(MessagePackShape.IsWellFormed(new byte[] { 0xdf, 0x7f, 0xff, 0xff, 0xff, 0x01 }));
        Assert.False(MessagePackShape.IsWellFormed(new byte[] { 0xc1 }));
    }

    [Fact]
    public void Nesting_a_million_deep_is_walked_without_recursion()
    {
        // [[[[...0...]]]]: one-element fixarrays, far deeper than any stack would allow recursively.
        var deep = Enumerable.Repeat((byte)0x91, 1_000_000).Append((byte)0x00).ToArray();
        Assert.True(MessagePackShape.IsWellFormed(deep));
        Assert.False(MessagePackShape.IsWellFormed(deep.AsMemory(0, deep.Length - 1)));
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(1234);
        for (var i = 0; i < 5000; i++)
        {
            var bytes = new byte[random.Next(1, 64)];
            random.NextBytes(bytes);
            _ = MessagePackShape.IsWellFormed(bytes);
        }
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using CsCheck;
using MessagePack;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Serialization;

public sealed class ValueCodecTests
{
    /// <summary>A plain model: no MessagePack attributes at all (contractless, by property name).</summary>
    public sealed class Profile
    {
        public string? Name { get; set; }

        public int Age { get; set; }

        public List<int>? Numbers { get; set; }

        public Dictionary<string, int>? Counts { get; set; }

        public Profile? Next { get; set; }

        public object? Anything { get; set; }
    }

    [MessagePackObject]
    public sealed class Point
    {
        [Key(0)]
        public int X { get; set; }

        [Key(1)]
        public string? Label { get; set; }
    }

    private static ValueCodec<T> Codec<T>(int maxBytes = 1 << 20)
        where T : class => new(ValueCodec<T>.DefaultOptions, maxBytes);

    private static Profile Sample() => new()
    {
        Name = "Zoë 🚀",
        Age = 42,
        Numbers = [1, -2, int.MaxValue],
        Counts = new() { ["a"] = 1, ["b"] = 2 },
        Next = new Profile { Name = "child", Age = 7 },
    };

    [Fact]
    public void Contractless_poco_round_trips()
    {
        var codec = Codec<Profile>();

        var payload = codec.Encode("user:1", Sample());
        var back = Assert.IsType<Profile>(codec.Decode(payload));

        Assert.Equal("Zoë 🚀", back.Name);
        Assert.Equal(42, back.Age);
        Assert.Equal([1, -2, int.MaxValue], back.Numbers);
        Assert.Equal(2, back.Counts!["b"]);
        Assert.Equal("child", back.Next!.Name);
        Assert.Null(back.Next.Next);
        Assert.Equal(typeof(Profile), codec.ValueType);
    }

    [Fact]
    public void Contractless_poco_is_encoded_as_a_map_by_property_name()
    {
        var payload = Codec<Profile>().Encode("k", new Profile { Age = 1 });

        Assert.Equal(0x80, payload[0] & 0xF0); // fixmap
        Assert.Contains("Age", Encoding.UTF8.GetString(payload), StringComparison.Ordinal);
    }

    [Fact]
    public void Attributed_type_round_trips_and_keeps_its_array_layout()
    {
        var codec = Codec<Point>();

        var payload = codec.Encode("p", new Point { X = 3, Label = "three" });
        var back = Assert.IsType<Point>(codec.Decode(payload));

        Assert.Equal(3, back.X);
        Assert.Equal("three", back.Label);
        Assert.Equal(0x92, payload[0]); // fixarray of 2: [Key(n)] layout, not a map
    }

    [Fact]
    public void Value_above_the_limit_throws_with_size_and_limit_and_at_the_limit_passes()
    {
        var value = new Point { X = 1, Label = new string('x', 100) };
        var size = MessagePackSerializer.Serialize(value, ValueCodec<Point>.DefaultOptions).Length;

        Assert.Equal(size, Codec<Point>(maxBytes: size).Encode("p", value).Length);
        var error = Assert.Throws<ValueTooLargeException>(() => Codec<Point>(maxBytes: size - 1).Encode("big:1", value));

        Assert.Equal(size, error.Size);
        Assert.Equal(size - 1, error.Limit);
        Assert.Equal("big:1", error.Key);
        Assert.Contains("MaxValueBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_truncation_of_a_valid_payload_is_a_serialization_error()
    {
        var codec = Codec<Profile>();
        var payload = codec.Encode("k", Sample());

        for (var length = 0; length < payload.Length; length++)
        {
            var cut = payload.AsMemory(0, length);
            Assert.Throws<MessagePackSerializationException>(() => codec.Decode(cut));
        }
    }

    [Theory]
    [InlineData(new byte[] { 0xC0 })] // nil
    [InlineData(new byte[] { 0xC1 })] // never used
    [InlineData(new byte[] { 0x2A })] // a number, not a map
    [InlineData(new byte[] { 0xA3, 0x61, 0x62, 0x63 })] // a string
    [InlineData(new byte[] { 0x81, 0xA3, 0x41, 0x67, 0x65, 0xA3, 0x61, 0x62, 0x63 })] // {"Age": "abc"}
    public void Payloads_that_are_not_the_type_are_serialization_errors(byte[] payload)
    {
        Assert.Throws<MessagePackSerializationException>(() => Codec<Profile>().Decode(payload));
    }

    [Fact]
    public void Property_random_bytes_either_decode_or_throw_a_serialization_error()
    {
        var codec = Codec<Profile>();
        var attributed = Codec<Point>();
        // Random bytes, and random corruptions of a valid payload (more likely to get deep into the decoder).
        var valid = codec.Encode("k", Sample());
        var corrupted = Gen.Select(Gen.Int[0, valid.Length - 1], Gen.Byte)
            .Array[1, 4]
            .Select(edits =>
            {
                var copy = (byte[])valid.Clone();
                foreach (var (at, value) in edits)
                {
                    copy[at] = value;
                }

                return copy;
            });
        var bytes = Gen.Frequency((1, (IGen<byte[]>)Gen.Byte.Array[0, 64]), (1, corrupted));

        bytes.Sample(
            payload =>
            {
                foreach (var decoder in new IValueDecoder[] { codec, attributed })
                {
                    try
                    {
                        if (!decoder.ValueType.IsInstanceOfType(decoder.Decode(payload)))
                        {
                            return false;
                        }
                    }
                    catch (MessagePackSerializationException)
                    {
                    }
                }

                return true;
            },
            iter: 5_000);
    }

    private static byte[] Field(string name, params byte[] value)
    {
        var key = Encoding.UTF8.GetBytes(name);
        return [0x81, (byte)(0xA0 | key.Length), .. key, .. value];
    }

    public static TheoryData<string, byte[]> HugeLengths => new()
    {
        { "array32 of 2^32-1 ints", Field("Numbers", 0xDD, 0xFF, 0xFF, 0xFF, 0xFF, 0x01) },
        { "map32 of 2^32-1 entries", Field("Counts", 0xDF, 0xFF, 0xFF, 0xFF, 0xFF, 0xA1, 0x61, 0x01) },
        { "str32 of 4 GiB", Field("Name", 0xDB, 0xFF, 0xFF, 0xFF, 0xFF, 0x61) },
        { "array32 of 2^31 objects", Field("Anything", 0xDD, 0x80, 0x00, 0x00, 0x00, 0xC0) },
        { "map32 of 2^32-1 properties at the top", [0xDF, 0xFF, 0xFF, 0xFF, 0xFF, 0xA3, 0x41, 0x67, 0x65, 0x01] },
    };

    [Theory]
    [MemberData(nameof(HugeLengths))]
    public void A_huge_declared_length_is_rejected_without_allocating_it(string what, byte[] payload)
    {
        var codec = Codec<Profile>();
        var before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<MessagePackSerializationException>(() => codec.Decode(payload));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 64L * 1024 * 1024, $"{what}: allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Deep_nesting_of_the_model_is_rejected()
    {
        // {"Next": {"Next": ... nil}} 2,000 levels deep: over UntrustedData's depth limit (500).
        var level = Field("Next");
        var payload = Enumerable.Repeat(level, 2000).SelectMany(b => b).Append((byte)0xC0).ToArray();

        Assert.Throws<MessagePackSerializationException>(() => Codec<Profile>().Decode(payload));
    }

    [Fact]
    public void Nesting_within_the_limit_still_decodes()
    {
        var level = Field("Next");
        var payload = Enumerable.Repeat(level, 100).SelectMany(b => b).Append((byte)0xC0).ToArray();

        var decoded = Assert.IsType<Profile>(Codec<Profile>().Decode(payload));

        var depth = 0;
        for (var p = decoded; p.Next is not null; p = p.Next)
        {
            depth++;
        }

        Assert.Equal(99, depth);
    }

    [Fact]
    public void Deep_nesting_inside_an_object_member_is_rejected()
    {
        // {"Anything": [[[[...]]]]} 100,000 levels deep.
        var payload = Field("Anything", [.. Enumerable.Repeat((byte)0x91, 100_000), 0xC0]);

        Assert.Throws<MessagePackSerializationException>(() => Codec<Profile>().Decode(payload));
    }

    [Fact]
    public void Default_options_treat_payloads_as_untrusted()
    {
        Assert.Equal(MessagePackSecurity.UntrustedData.MaximumObjectGraphDepth, ValueCodec<Profile>.DefaultOptions.Security.MaximumObjectGraphDepth);
        Assert.True(ValueCodec<Profile>.DefaultOptions.Security.HashCollisionResistant);
    }
}

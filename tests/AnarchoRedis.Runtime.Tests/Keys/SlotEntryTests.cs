using System;
using System.IO.Hashing;
using System.Linq;
using System.Text;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Keys;

public sealed class SlotEntryTests
{
    private static readonly ReplicatedVersion Version = new(0x0000019A2B3C4D5E, 0x1122334455667788);

    [Theory]
    [InlineData("user:42")]
    [InlineData("é€{ü}")]
    [InlineData("")]
    public void Value_hash_is_the_low_40_bits_of_xxhash3_of_key_nul_version(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key).Concat(new byte[] { 0 }).Concat(Encoding.ASCII.GetBytes(Version.ToString())).ToArray();
        var expected = (long)(XxHash3.HashToUInt64(bytes) & ((1UL << 40) - 1));

        Assert.Equal(expected, SlotEntry.ValueHash(key, Version));
        Assert.InRange(SlotEntry.ValueHash(key, Version), 0, SlotEntry.Mask);
    }

    [Fact]
    public void Value_hash_of_a_long_key_uses_a_pooled_buffer_and_is_the_same()
    {
        var key = new string('k', 5000) + "€";
        var bytes = Encoding.UTF8.GetBytes(key).Concat(new byte[] { 0 }).Concat(Encoding.ASCII.GetBytes(Version.ToString())).ToArray();

        Assert.Equal((long)(XxHash3.HashToUInt64(bytes) & (ulong)SlotEntry.Mask), SlotEntry.ValueHash(key, Version));
    }

    [Fact]
    public void Value_hash_changes_with_the_key_and_the_version()
    {
        var next = new ReplicatedVersion(Version.Clock + 1, Version.WriterId);

        Assert.NotEqual(SlotEntry.ValueHash("a", Version), SlotEntry.ValueHash("b", Version));
        Assert.NotEqual(SlotEntry.ValueHash("a", Version), SlotEntry.ValueHash("a", next));
        Assert.Equal(SlotEntry.ValueHash("a", Version), SlotEntry.ValueHash("a", Version));
    }

    [Theory]
    [InlineData(0L, 0L, "0")]
    [InlineData(1099511627775L, 0L, "1099511627775")]
    [InlineData(12345L, 1764230400000L, "12345:1764230400000")]
    public void Format_and_parse_round_trip(long hash, long due, string text)
    {
        Assert.Equal(text, SlotEntry.Format(hash, due));
        Assert.True(SlotEntry.TryParse(text, out var h, out var d));
        Assert.Equal(hash, h);
        Assert.Equal(due, d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("-1")]
    [InlineData("12:")]
    [InlineData("12:x")]
    [InlineData(":5")]
    [InlineData("1099511627776")] // above 40 bits
    [InlineData("1 ")]
    public void Malformed_entries_do_not_parse(string text)
    {
        Assert.False(SlotEntry.TryParse(text, out var hash, out var due));
        Assert.Equal(0, hash);
        Assert.Equal(0, due);
    }

    [Fact]
    public void A_missing_entry_does_not_parse()
    {
        Assert.False(SlotEntry.TryParse(RedisValue.Null, out _, out _));
    }
}

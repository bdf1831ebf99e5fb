using System;
using System.Text;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Keys;

public sealed class HashSlotTests
{
    [Fact]
    public void Crc16_is_xmodem_check_value_0x31C3_for_123456789()
    {
        // 0x31C3 < 16384, so the slot is the CRC itself.
        Assert.Equal(0x31C3, HashSlot.Of("123456789"));
        Assert.Equal(0x31C3, HashSlot.Of("123456789"u8));
    }

    [Theory]
    [InlineData("foo", 12182)]
    [InlineData("bar", 5061)]
    [InlineData("", 0)]
    public void Known_slots_from_the_redis_docs(string key, int slot)
    {
        Assert.Equal(slot, HashSlot.Of(key));
    }

    [Fact]
    public void Keys_sharing_a_hash_tag_share_a_slot()
    {
        Assert.Equal(HashSlot.Of("{user1000}.following"), HashSlot.Of("{user1000}.followers"));
        Assert.Equal(HashSlot.Of("user1000"), HashSlot.Of("{user1000}.following"));
        Assert.Equal(HashSlot.Of("bar"), HashSlot.Of("foo{bar}zap"));
    }

    [Theory]
    [InlineData("foo{}{bar}", "foo{}{bar}")] // empty first tag: the whole key
    [InlineData("foo{{bar}}zap", "{bar")] // from the first '{' to the first '}' after it
    [InlineData("foo{bar}{zap}", "bar")] // only the first tag counts
    [InlineData("{}", "{}")]
    [InlineData("}{a}", "a")]
    [InlineData("a{b", "a{b")] // no closing brace: the whole key
    [InlineData("a}b", "a}b")]
    [InlineData("plain", "plain")]
    public void Hashed_part_follows_redis_cluster_rules(string key, string hashed)
    {
        Assert.Equal(hashed, Encoding.UTF8.GetString(HashSlot.HashedPart(Encoding.UTF8.GetBytes(key))));
        Assert.Equal(HashSlot.Of(hashed), HashSlot.Of(key));
    }

    [Theory]
    [InlineData("user:{42}", true)]
    [InlineData("{a}", true)]
    [InlineData("foo{{bar}}zap", true)]
    [InlineData("}{a}", true)]
    [InlineData("foo{}{bar}", false)]
    [InlineData("{}", false)]
    [InlineData("a{b", false)]
    [InlineData("a}b", false)]
    [InlineData("user:42", false)]
    [InlineData("", false)]
    public void HasHashTag_cases(string key, bool expected)
    {
        Assert.Equal(expected, HashSlot.HasHashTag(key));
    }

    [Fact]
    public void Slot_of_a_string_key_hashes_its_utf8_bytes_also_for_long_keys()
    {
        var shortKey = "clé:ü€";
        var longKey = new string('é', 2000) + "{tag}";

        Assert.Equal(HashSlot.Of(Encoding.UTF8.GetBytes(shortKey)), HashSlot.Of(shortKey));
        Assert.Equal(HashSlot.Of("tag"), HashSlot.Of(longKey));
        Assert.Equal(HashSlot.Of(Encoding.UTF8.GetBytes(new string('é', 2000))), HashSlot.Of(new string('é', 2000)));
    }

    [Fact]
    public void Slots_are_in_range()
    {
        for (var i = 0; i < 5000; i++)
        {
            var slot = HashSlot.Of("key:" + i);
            Assert.InRange(slot, 0, HashSlot.Count - 1);
        }
    }

    [Fact]
    public void Null_key_is_rejected()
    {
        Assert.Throws<ArgumentNullException>(() => HashSlot.Of((string)null!));
    }
}

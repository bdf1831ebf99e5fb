using System;
using System.Collections.Generic;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Keys;

public sealed class SlotKeysTests
{
    [Fact]
    public void Every_slots_digest_and_index_keys_hash_to_that_slot()
    {
        var keys = new SlotKeys("anrcho_slot:");
        for (var slot = 0; slot < HashSlot.Count; slot++)
        {
            Assert.Equal(slot, HashSlot.Of((string)keys.DigestKey(slot)!));
            Assert.Equal(slot, HashSlot.Of((string)keys.IndexKey(slot)!));
        }
    }

    [Fact]
    public void Tags_are_short_distinct_and_the_first_in_alphabet_order()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var slot = 0; slot < HashSlot.Count; slot++)
        {
            var tag = SlotKeys.Tag(slot);
            Assert.InRange(tag.Length, 1, 4);
            Assert.Matches("^[0-9a-z]+$", tag);
            Assert.True(seen.Add(tag));
            Assert.Equal(slot, HashSlot.Of(tag));
        }

        // Shortest first, then [0-9a-z] order: every one-character string is the tag of its own slot, and no string
        // before a tag (in that order) hashes to the tag's slot.
        foreach (var c in "0123456789abcdefghijklmnopqrstuvwxyz")
        {
            Assert.Equal(c.ToString(), SlotKeys.Tag(HashSlot.Of(c.ToString())));
        }

        var slotOfAa = HashSlot.Of("aa");
        var first = SlotKeys.Tag(slotOfAa);
        Assert.True(first.Length < 2 || string.CompareOrdinal(first, "aa") <= 0, $"tag {first} of slot {slotOfAa} comes after 'aa'");
    }

    [Fact]
    public void Names_are_deterministic_and_follow_the_documented_form()
    {
        var a = new SlotKeys("anrcho_slot:");
        var b = new SlotKeys("anrcho_slot:");
        var slot = HashSlot.Of("user:42");

        Assert.Equal($"anrcho_slot:{{{SlotKeys.Tag(slot)}}}:digest", (string)a.DigestKey(slot)!);
        Assert.Equal($"anrcho_slot:{{{SlotKeys.Tag(slot)}}}:keys", (string)a.IndexKey(slot)!);
        Assert.Equal((string)a.IndexKey(slot)!, (string)b.IndexKey(slot)!);
        Assert.Equal("0", SlotKeys.Tag(HashSlot.Of("0")));
        Assert.Equal("my:{0}:digest", (string)new SlotKeys("my:").DigestKey(HashSlot.Of("0"))!);
        Assert.Throws<ArgumentException>(() => new SlotKeys("a{"));
        Assert.Throws<ArgumentOutOfRangeException>(() => SlotKeys.Tag(HashSlot.Count));
    }
}

using System;
using System.Text;
using CsCheck;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Keys;

public sealed class KeySpaceTests
{
    private const string Prefix = AnarchoRedisOptions.DefaultMetaKeyPrefix;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static KeySpace Space(int maxKeyBytes = 16 * 1024) => new(Prefix, maxKeyBytes);

    [Fact]
    public void Meta_key_of_a_key_without_hash_tag_wraps_the_whole_key()
    {
        Assert.Equal("anrcho_version:{user:42}", Space().MetaKey("user:42"));
        Assert.Equal(HashSlot.Of("user:42"), HashSlot.Of("anrcho_version:{user:42}"));
    }

    [Fact]
    public void Meta_key_of_a_key_with_a_hash_tag_keeps_it()
    {
        Assert.Equal("anrcho_version:user:{42}", Space().MetaKey("user:{42}"));
        Assert.Equal(HashSlot.Of("user:{42}"), HashSlot.Of(Space().MetaKey("user:{42}")));
    }

    [Theory]
    [InlineData("a{b")] // an open brace without a close: no tag, wrapping still hashes the whole key
    [InlineData("foo{{bar}}zap")]
    [InlineData("}{a}")] // a '}' before the tag is fine: the tag decides
    [InlineData("x{y}}")]
    [InlineData("é€\r\n{ü}")]
    [InlineData("a b\tc\r\n")]
    public void Meta_key_shares_the_slot_of_unusual_but_valid_keys(string key)
    {
        Assert.Equal(HashSlot.Of(key), HashSlot.Of(Space().MetaKey(key)));
    }

    [Fact]
    public void Companion_keys_share_the_slot_too()
    {
        var space = Space();

        Assert.Equal("anrcho_tomb:{list:7}", space.Companion("anrcho_tomb:", "list:7"));
        Assert.Equal("anrcho_tomb:list:{7}", space.Companion("anrcho_tomb:", "list:{7}"));
    }

    [Fact]
    public void Property_meta_key_has_the_slot_of_every_accepted_key()
    {
        // Braces weighted up, plus unicode (surrogates included), CR/LF and spaces.
        var chars = Gen.Frequency(
            (3, (IGen<char>)Gen.Char['a', 'e']),
            (3, Gen.OneOf('{', '}')),
            (1, Gen.OneOf('\r', '\n', ' ', ':', 'é', '€', '\uD83D', '\uDE00', '\0')),
            (1, Gen.Char));
        var keys = chars.Array[0, 24].Select(a => new string(a));
        var space = Space();
        var accepted = 0;

        keys.Sample(
            key =>
            {
                string meta;
                try
                {
                    meta = space.MetaKey(key);
                }
                catch (InvalidKeyException)
                {
                    // Only these may be rejected here: empty, a '}' without a hash tag, a tag that is the whole key, or
                    // a surrogate without its pair.
                    return key.Length == 0 || (key.Contains('}', StringComparison.Ordinal) && !HashSlot.HasHashTag(key)) || KeySpace.IsWholeKeyHashTag(key) || !IsValidUtf16(key);
                }

                System.Threading.Interlocked.Increment(ref accepted);
                return meta.StartsWith(Prefix, StringComparison.Ordinal) && HashSlot.Of(meta) == HashSlot.Of(key);
            },
            iter: 5_000);

        Assert.True(accepted > 1_000, $"only {accepted} keys were accepted; the generator is too narrow");
    }

    [Theory]
    [InlineData("user:42", "user:{42}")]
    [InlineData("a{b", "a{b}")]
    [InlineData("x", "y")]
    public void Distinct_keys_have_distinct_meta_keys(string first, string second)
    {
        Assert.NotEqual(Space().MetaKey(first), Space().MetaKey(second));
    }

    [Fact]
    public void A_key_whose_hash_tag_is_the_whole_key_is_rejected_so_it_cannot_share_the_bare_keys_meta_key()
    {
        var error = Assert.Throws<InvalidKeyException>(() => Space().MetaKey("{user:42}"));

        Assert.Contains("'user:42'", error.Message, StringComparison.Ordinal);
        Assert.Equal("anrcho_version:{user:42}", Space().MetaKey("user:42"));
        Assert.Equal("anrcho_version:{user}:42", Space().MetaKey("{user}:42"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Rejects_null_or_empty(string? key)
    {
        var error = Assert.Throws<InvalidKeyException>(() => Space().MetaKey(key!));
        Assert.Contains("null or empty", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a}b")]
    [InlineData("a{}b")]
    [InlineData("}")]
    [InlineData("{}")]
    public void Rejects_a_closing_brace_without_hash_tag(string key)
    {
        var error = Assert.Throws<InvalidKeyException>(() => Space().MetaKey(key));
        Assert.Equal(key, error.Key);
        Assert.Contains("hash tag", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anrcho_version:user:42")]
    [InlineData("anrcho_version:")]
    [InlineData("anrcho_version:{x}")]
    public void Rejects_keys_starting_with_the_meta_prefix(string key)
    {
        var error = Assert.Throws<InvalidKeyException>(() => Space().MetaKey(key));
        Assert.Contains("anrcho_version:", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_keys_longer_than_MaxKeyBytes_counted_in_utf8_bytes()
    {
        var space = Space(maxKeyBytes: 10);

        Assert.Equal("anrcho_version:{0123456789}", space.MetaKey("0123456789")); // exactly 10 bytes
        Assert.Throws<InvalidKeyException>(() => space.MetaKey("01234567890")); // 11 chars

        // 5 chars, 10 bytes: accepted; 6 chars, 12 bytes: rejected.
        Assert.Equal(10, Encoding.UTF8.GetByteCount("ééééé"));
        space.Validate("ééééé");
        var error = Assert.Throws<InvalidKeyException>(() => space.MetaKey("éééééé"));
        Assert.Contains("MaxKeyBytes", error.Message, StringComparison.Ordinal);

        // 4 chars, 12 bytes: rejected although it has fewer chars than the limit.
        Assert.Throws<InvalidKeyException>(() => space.MetaKey("€€€€"));
    }

    // Code units, not strings: xunit serializes theory strings, and that turns a lone surrogate into U+FFFD.
    [Theory]
    [InlineData("a", 0xD800, "")]
    [InlineData("", 0xDC00, "b")]
    [InlineData("x\uDC00", 0xD800, "y")] // a low surrogate before a high one is no pair
    [InlineData("🚀", 0xD83D, "")]
    public void Rejects_keys_with_a_lone_surrogate_which_redis_would_receive_as_U_FFFD(string before, int surrogate, string after)
    {
        var key = before + (char)surrogate + after;
        Assert.False(IsValidUtf16(key));

        var error = Assert.Throws<InvalidKeyException>(() => Space().MetaKey(key));

        Assert.Equal(key, error.Key);
        Assert.Contains("UTF-16", error.Reason, StringComparison.Ordinal);
        // What the key would have been on the wire: the same bytes as the key with U+FFFD in its place.
        Assert.Contains("\uFFFD", Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(key)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("🚀")]
    [InlineData("a🚀b\uFFFD")]
    [InlineData("\uD800\uDC00")] // the lowest pair, U+10000
    public void Accepts_keys_with_paired_surrogates(string key) => Space().Validate(key);

    private static bool IsValidUtf16(string key)
    {
        try
        {
            _ = StrictUtf8.GetByteCount(key);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    [Fact]
    public void Long_keys_have_their_message_shortened()
    {
        var key = new string('k', 1000) + "}";
        var error = Assert.Throws<InvalidKeyException>(() => Space().MetaKey(key));

        Assert.Equal(key, error.Key);
        Assert.True(error.Message.Length < 600, error.Message);
    }

    [Theory]
    [InlineData("meta{")]
    [InlineData("meta}")]
    [InlineData("{meta}:")]
    [InlineData("")]
    [InlineData(null)]
    public void Constructor_rejects_empty_prefixes_and_prefixes_with_braces(string? prefix)
    {
        var error = Assert.Throws<ArgumentException>(() => new KeySpace(prefix!, 100));
        Assert.Equal("metaPrefix", error.ParamName);
    }

    [Fact]
    public void A_custom_prefix_is_used_and_guarded()
    {
        var space = new KeySpace("m:", 100);

        Assert.Equal("m:{k}", space.MetaKey("k"));
        Assert.Throws<InvalidKeyException>(() => space.MetaKey("m:k"));
        Assert.Equal("anrcho_version:{m:k}", Space().MetaKey("m:k"));
    }

    [Fact]
    public void List_tombstone_keys_share_the_slot_and_their_prefix_is_reserved()
    {
        var space = new KeySpace("anrcho_version:", 100, "anrcho_tomb:");

        Assert.Equal("anrcho_tomb:{chat:1}", space.TombstoneKey("chat:1"));
        Assert.Equal("anrcho_tomb:chat:{1}", space.TombstoneKey("chat:{1}"));
        Assert.Equal(HashSlot.Of("chat:1"), HashSlot.Of(space.TombstoneKey("chat:1")));
        Assert.Throws<InvalidKeyException>(() => space.MetaKey("anrcho_tomb:x"));
        Assert.Throws<ArgumentException>(() => new KeySpace("m:", 100, "t{"));
    }

    [Theory]
    [InlineData("anrcho_slot:x")]
    [InlineData("anrcho_slot:{0}:keys")]
    public void Rejects_keys_starting_with_the_slot_prefix(string key)
    {
        var space = new KeySpace(Prefix, 100, "anrcho_tomb:", "anrcho_slot:");

        var error = Assert.Throws<InvalidKeyException>(() => space.MetaKey(key));
        Assert.Contains("anrcho_slot:", error.Reason, StringComparison.Ordinal);
        Assert.Equal("anrcho_version:{anrcho_slotx}", space.MetaKey("anrcho_slotx"));
        Assert.Throws<ArgumentException>(() => new KeySpace(Prefix, 100, "anrcho_tomb:", "s{"));
    }

    [Theory]
    [InlineData("user:42", "anrcho_version:{user:42}")]
    [InlineData("user:{42}", "anrcho_version:user:{42}")]
    [InlineData("{user}:42", "anrcho_version:{user}:42")]
    [InlineData("x{y}}", "anrcho_version:x{y}}")]
    [InlineData("{x{y}}", "anrcho_version:{x{y}}")]
    [InlineData("a{b", "anrcho_version:{a{b}")]
    [InlineData("}{a}", "anrcho_version:}{a}")]
    public void Data_key_is_recovered_from_its_meta_key(string key, string meta)
    {
        var space = Space();

        Assert.Equal(meta, space.MetaKey(key));
        Assert.True(space.TryDataKeyFromMetaKey(meta, out var recovered));
        Assert.Equal(key, recovered);
    }

    [Theory]
    [InlineData("user:42")] // not a meta key
    [InlineData("anrcho_tomb:{user:42}")]
    [InlineData("anrcho_version:")] // nothing after the prefix
    [InlineData("anrcho_version:{}")]
    [InlineData("anrcho_version:a}b")] // names no valid key
    [InlineData("anrcho_version:anrcho_version:x")] // a key may not start with the meta prefix
    public void Names_the_library_would_not_make_are_not_meta_keys(string meta)
    {
        Assert.False(Space().TryDataKeyFromMetaKey(meta, out var key));
        Assert.Equal(string.Empty, key);
    }

    [Fact]
    public void Property_meta_key_names_round_trip_to_their_data_key()
    {
        var chars = Gen.Frequency(
            (3, (IGen<char>)Gen.Char['a', 'e']),
            (3, Gen.OneOf('{', '}')),
            (1, Gen.OneOf('\r', '\n', ' ', ':', 'é', '€', '\uD83D', '\uDE00', '\0')),
            (1, Gen.Char));
        var space = new KeySpace(Prefix, 16 * 1024, "anrcho_tomb:", "anrcho_slot:");
        var accepted = 0;

        chars.Array[0, 24].Select(a => new string(a)).Sample(
            text =>
            {
                // Whatever follows the prefix, a recovered key is valid and names exactly that meta key.
                if (space.TryDataKeyFromMetaKey(Prefix + text, out var recovered) && space.MetaKey(recovered) != Prefix + text)
                {
                    return false;
                }

                string meta;
                try
                {
                    meta = space.MetaKey(text);
                }
                catch (InvalidKeyException)
                {
                    return true;
                }

                System.Threading.Interlocked.Increment(ref accepted);
                return space.TryDataKeyFromMetaKey(meta, out var back) && back == text;
            },
            iter: 5_000);

        Assert.True(accepted > 1_000, $"only {accepted} keys were accepted; the generator is too narrow");
    }
}

using System;
using System.Linq;
using System.Text;
using AnarchoRedis.Runtime.Tests.Versioning;
using CsCheck;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Lists;

public sealed class ListDigestTests
{
    private const long Iterations = 2_000;

    private const string GoldenHash = "584a646789e2358a";

    [Fact]
    public void Element_hash_is_xxhash64_of_the_32_ascii_hex_digits_of_the_id()
    {
        var id = ReplicatedVersion.Parse("0123456789abcdeffedcba9876543210");

        Assert.Equal(Sha1Prefix("0123456789abcdeffedcba9876543210"), ListDigest.ElementHash(id));

        // Pinned, so a change of seed or text form (which would split old and new clients) fails here.
        Assert.Equal(GoldenHash, ListDigest.Format(ListDigest.ElementHash(id)));
    }

    [Fact]
    public void Property_element_hash_matches_an_independent_computation()
    {
        ReplicatedVersionTests.Versions.Sample(
            id => ListDigest.ElementHash(id) == Sha1Prefix(id.ToString()),
            iter: Iterations);
    }

    [Fact]
    public void Digest_of_no_ids_is_zero_and_formats_as_16_zeros()
    {
        Assert.Equal(0UL, ListDigest.Of([]));
        Assert.Equal("0000000000000000", ListDigest.Format(0));
        Assert.Equal("0123456789abcdef", ListDigest.Format(0x0123456789ABCDEF));
        Assert.Equal("ffffffffffffffff", ListDigest.Format(ulong.MaxValue));
    }

    [Fact]
    public void Property_digest_is_order_independent_and_incremental()
    {
        ReplicatedVersionTests.Versions.Array[0, 20].Sample(
            ids =>
            {
                var distinct = ids.Distinct().ToArray();
                var digest = ListDigest.Of(distinct);
                Assert.Equal(digest, ListDigest.Of(distinct.Reverse()));
                Assert.Equal(digest, distinct.Aggregate(0UL, (d, id) => d ^ ListDigest.ElementHash(id)));

                // Adding then removing (both XOR) in any order ends where it started.
                var added = distinct.Aggregate(0UL, ListDigest.Toggle);
                Assert.Equal(digest, added);
                Assert.Equal(0UL, distinct.Reverse().Aggregate(added, ListDigest.Toggle));
            },
            iter: Iterations);
    }

    [Fact]
    public void Property_halves_xor_like_the_whole_as_the_lua_side_computes_them()
    {
        Gen.Select(Gen.ULong, Gen.ULong).Sample(
            (a, b) =>
            {
                var (ha, la) = ListDigest.Split(a);
                var (hb, lb) = ListDigest.Split(b);
                Assert.Equal(a, ListDigest.Join(ha, la));
                Assert.Equal(a ^ b, ListDigest.Join(ha ^ hb, la ^ lb));

                // bit.bxor in Redis' Lua returns signed 32-bit numbers.
                Assert.Equal(a, ListDigest.FromLuaHalves(unchecked((int)ha), unchecked((int)la)));
                Assert.Equal(a, ListDigest.FromLuaHalves(ha, la));

                // bit.tohex(h, 8) .. bit.tohex(l, 8)
                Assert.Equal(ListDigest.Format(a), ha.ToString("x8") + la.ToString("x8"));
            },
            iter: Iterations);
    }

    [Fact]
    public void Property_format_and_parse_round_trip()
    {
        Gen.ULong.Sample(
            d =>
            {
                var text = ListDigest.Format(d);
                Assert.Equal(16, text.Length);
                Assert.Equal(text.ToLowerInvariant(), text);
                Assert.True(ListDigest.TryParse(text.AsSpan(), out var back));
                Assert.Equal(d, back);
                Assert.True(ListDigest.TryParse(Encoding.ASCII.GetBytes(text).AsSpan(), out var fromBytes));
                Assert.Equal(d, fromBytes);
            },
            iter: Iterations);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("123456789abcdef")] // 15 digits
    [InlineData("0123456789abcdef0")] // 17 digits
    [InlineData("0x23456789abcdef")]
    [InlineData("-123456789abcdef")]
    [InlineData("+123456789abcdef")]
    [InlineData(" 123456789abcdef")]
    [InlineData("0123456789abcdeg")]
    public void TryParse_rejects_what_is_not_16_hex_digits(string text)
    {
        Assert.False(ListDigest.TryParse(text.AsSpan(), out _));
        Assert.False(ListDigest.TryParse(Encoding.ASCII.GetBytes(text).AsSpan(), out _));
    }

    [Fact]
    public void TryParse_accepts_uppercase()
    {
        Assert.True(ListDigest.TryParse("0123456789ABCDEF".AsSpan(), out var digest));
        Assert.Equal(0x0123456789ABCDEFUL, digest);
    }

    [Fact]
    public void Property_merged_digest_is_the_xor_of_its_ids_and_equal_states_have_equal_count_and_digest()
    {
        Gen.Select(ListMergeTests.States, ListMergeTests.States, ListMergeTests.States).Sample(
            (a, b, c) =>
            {
                var merged = ListMerge.Merge([a, b, c]);
                Assert.Equal(merged.Elements.Count, merged.Count);
                Assert.Equal(ListDigest.Of(merged.Elements.Select(e => e.Id)), merged.Digest);
                Assert.Equal(merged.Elements.Aggregate(0UL, (d, e) => d ^ Sha1Prefix(e.Id.ToString())), merged.Digest);

                // The same content reached another way (other order, copied payloads) has the same count and digest.
                var other = ListMerge.Merge([c, a, b]);
                var copied = merged with { Elements = merged.Elements.Select(e => e with { Payload = e.Payload.ToArray() }).ToList() };
                foreach (var equal in new[] { other, copied })
                {
                    Assert.Equal(merged, equal);
                    Assert.Equal((merged.Count, merged.Digest), (equal.Count, equal.Digest));
                }
            },
            iter: Iterations);
    }

    [Fact]
    public void Digest_follows_a_with_copy_that_changes_the_elements()
    {
        var id = new ReplicatedVersion(1, 1);
        var state = ListReplicaState.Empty.ApplyPush(new ListElement(id, ListSide.Left, Array.Empty<byte>()));
        Assert.Equal(ListDigest.ElementHash(id), state.Digest);

        var emptied = state with { Elements = [] };

        Assert.Equal(0UL, emptied.Digest);
        Assert.Equal(ListDigest.ElementHash(id), state.Digest);
    }

    /// <summary>What Lua's <c>redis.sha1hex(id)</c> gives, first 16 hex digits, as a number.</summary>
    private static ulong Sha1Prefix(string idText) =>
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(System.Security.Cryptography.SHA1.HashData(Encoding.ASCII.GetBytes(idText)));
}

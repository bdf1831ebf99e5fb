using System.Linq;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Replication;

/// <summary>Replies built as the list scripts return them (RESP2: nested arrays of bulk strings).</summary>
public sealed class ListReplyParserTests
{
    private const string Key = "chat:{1}";
    private const string Node = "127.0.0.1:6379";
    private const string TypeName = "tests.chat";

    private static readonly ReplicatedVersion Id = new(0x0000019A2B3C4D5E, 0x1122334455667788);

    private static RedisResult Int(long value) => RedisResult.Create(value, ResultType.Integer);

    private static RedisResult Bulk(string value) => RedisResult.Create(value, ResultType.BulkString);

    private static RedisResult Bulk(byte[] value) => RedisResult.Create(value, ResultType.BulkString);

    private static RedisResult Array(params RedisResult[] items) => RedisResult.Create(items, ResultType.Array);

    private static RedisResult Read(RedisResult elements, RedisResult tombstones, string version = "", string count = "1", string digest = "00000000000000ff", string dv = "0") =>
        Array(Int(0), Bulk(version), Bulk(count), Bulk(digest), Bulk(dv), Bulk("0"), elements, tombstones, Bulk("0"), Bulk(version.Length == 0 ? "0" : version), Bulk("0"), Int(0));

    [Fact]
    public void Write_reply_carries_count_digest_and_version()
    {
        var reply = ListReplyParser.ParseWrite(Array(Int(0), Int(3), Bulk("00000000000000ff"), Bulk(Id.ToString())), Key, Node, TypeName);

        Assert.Equal(NodeOutcomeKind.Applied, reply.Kind);
        Assert.True(reply.Counts);
        Assert.Equal(3, reply.Count);
        Assert.Equal(0xffUL, reply.Digest);
        Assert.Equal(Id, reply.Stored);
    }

    [Theory]
    [InlineData(-1, typeof(CorruptMetadataException))]
    [InlineData(-2, typeof(WrongRedisTypeException))]
    [InlineData(-3, typeof(CorruptMetadataException))]
    [InlineData(-5, typeof(ForeignListDataException))]
    [InlineData(-6, typeof(CorruptMetadataException))]
    [InlineData(-99, typeof(AnarchoRedisException))]
    public void Script_errors_become_typed_node_errors_that_do_not_count(long code, System.Type expected)
    {
        var reply = ListReplyParser.ParseWrite(Array(Int(code), Bulk("string")), Key, Node, TypeName);

        Assert.False(reply.Counts);
        Assert.IsType(expected, reply.Error);
        Assert.Contains(Key, reply.Error!.Message, System.StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_meta_on_a_list_key_is_a_type_mismatch()
    {
        var reply = ListReplyParser.ParseWrite(Array(Int(-4), Bulk("v"), Bulk("tests.user")), Key, Node, TypeName);

        var error = Assert.IsType<KeyTypeMismatchException>(reply.Error);
        Assert.Equal("tests.user", error.StoredName);
    }

    [Fact]
    public void Full_read_decodes_envelopes_and_tombstones()
    {
        var envelope = ListEnvelope.Encode(Id, ListSide.Right, [0x91, 0x01]);
        var removed = new ReplicatedVersion(5, 6);
        var reply = ListReplyParser.ParseRead(
            Read(Array(Bulk(envelope)), Array(Bulk(removed.ToString()), Bulk("1234")), version: Id.ToString(), dv: removed.ToString()),
            Key,
            Node,
            TypeName);

        Assert.True(reply.Counts);
        Assert.Equal(Id, reply.Version);
        var element = Assert.Single(reply.Elements);
        Assert.Equal(Id, element.Id);
        Assert.Equal(ListSide.Right, element.Side);
        Assert.Equal(new byte[] { 0x91, 0x01 }, element.Payload.ToArray());
        Assert.Equal(1234, reply.Tombstones![removed]);
        Assert.Equal(removed, reply.DeletedUpTo);
        Assert.Equal(1, reply.ToState().Count);
        Assert.True(reply.MaxLeft.IsZero);
        Assert.Equal(Id, reply.MaxRight);
    }

    [Theory]
    [InlineData("1", "0")]
    [InlineData("0", "xyz")]
    public void Malformed_max_left_or_right_ids_are_corrupt_meta(string maxLeft, string maxRight)
    {
        var reply = ListReplyParser.ParseRead(
            Array(Int(0), Bulk(""), Bulk("0"), Bulk("0000000000000000"), Bulk("0"), Bulk("0"), Array(), Array(), Bulk(maxLeft), Bulk(maxRight), Bulk("0"), Int(0)),
            Key,
            Node,
            TypeName);

        Assert.IsType<CorruptMetadataException>(reply.Error);
    }

    [Fact]
    public void A_node_without_meta_reads_as_empty()
    {
        var reply = ListReplyParser.ParseRead(Read(Array(), Array(), count: "0", digest: "0000000000000000"), Key, Node, TypeName);

        Assert.True(reply.Counts);
        Assert.True(reply.Version.IsZero);
        Assert.Empty(reply.Elements);
        Assert.Null(reply.Tombstones);
    }

    [Fact]
    public void A_non_envelope_element_makes_the_reply_not_count()
    {
        var reply = ListReplyParser.ParseRead(Read(Array(Bulk("hello")), Array()), Key, Node, TypeName);

        Assert.False(reply.Counts);
        Assert.IsType<ForeignListDataException>(reply.Error);
    }

    [Theory]
    [InlineData("x", "00000000000000ff", "0")]
    [InlineData("1", "zz", "0")]
    [InlineData("1", "00000000000000ff", "123")]
    public void Malformed_meta_fields_are_corrupt_meta(string count, string digest, string dv)
    {
        var reply = ListReplyParser.ParseRead(Read(Array(), Array(), count: count, digest: digest, dv: dv), Key, Node, TypeName);

        Assert.IsType<CorruptMetadataException>(reply.Error);
    }

    [Fact]
    public void Watermarks_are_zero_or_32_hex_digits()
    {
        Assert.Equal("0", ListReplyParser.Watermark(ReplicatedVersion.Zero));
        Assert.Equal(Id.ToString(), ListReplyParser.Watermark(Id));
        Assert.All(ListReplyParser.Watermark(Id), c => Assert.True(char.IsAsciiHexDigitLower(c)));
    }
}

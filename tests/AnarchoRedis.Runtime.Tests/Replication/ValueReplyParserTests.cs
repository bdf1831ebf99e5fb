using System;
using System.Linq;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Replication;

/// <summary>
/// Replies built as value_read.lua and value_write.lua return them: an integer status, then bulk strings, with Lua
/// <c>false</c> (a missing HMGET field or GET of a missing key) arriving as a nil bulk string.
/// </summary>
public sealed class ValueReplyParserTests
{
    private const string Key = "user:42";
    private const string Node = "127.0.0.1:6379";
    private const string TypeName = "User";
    private const long Now = 1_800_000_000_000;

    private static readonly ReplicatedVersion Version = new(0x0000019A2B3C4D5E, 0x1122334455667788);
    private static readonly byte[] Payload = [0x81, 0xA1, 0x61, 0x01];

    private static RedisResult Int(long value) => RedisResult.Create(value, ResultType.Integer);

    private static RedisResult Bulk(string? value) => value is null
        ? RedisResult.Create(RedisValue.Null, ResultType.BulkString)
        : RedisResult.Create(value, ResultType.BulkString);

    private static RedisResult Bulk(byte[]? value) => value is null
        ? RedisResult.Create(RedisValue.Null, ResultType.BulkString)
        : RedisResult.Create(value, ResultType.BulkString);

    private static RedisResult Array(params RedisResult[] items) => RedisResult.Create(items, ResultType.Array);

    /// <summary>{0, version, tombstone, deleted_at, expires_at, kind, name, data}.</summary>
    private static RedisResult Read(
        string? version = "default",
        string? tombstone = "0",
        string? deletedAt = "0",
        string? expiresAt = "0",
        string? kind = "v",
        string? name = TypeName,
        byte[]? data = null,
        bool withData = true) =>
        Array(
            Int(0),
            Bulk(version == "default" ? Version.ToString() : version),
            Bulk(tombstone),
            Bulk(deletedAt),
            Bulk(expiresAt),
            Bulk(kind),
            Bulk(name),
            Bulk(withData ? data ?? Payload : null));

    private static ValueReadReply ParseRead(RedisResult result) => ValueReplyParser.ParseRead(result, Key, Node, TypeName, Now);

    private static TException AssertError<TException>(ValueReadReply reply)
        where TException : Exception
    {
        Assert.Equal(ValueState.Error, reply.State);
        Assert.False(reply.Counts);
        Assert.False(reply.IsCandidate);
        Assert.Equal(NodeOutcomeKind.Failed, reply.ErrorKind);
        Assert.Null(reply.Payload);
        var error = Assert.IsType<TException>(reply.Error);
        if (error is NodeDataException data)
        {
            Assert.Equal(Key, data.Key);
            Assert.Equal(Node, data.Node);
        }

        return error;
    }

    // ---- read: what a node holds --------------------------------------------------------------------------

    [Fact]
    public void Read_absent_when_neither_meta_nor_data()
    {
        var reply = ParseRead(Read(version: null, tombstone: null, deletedAt: null, expiresAt: null, kind: null, name: null, withData: false));

        Assert.Equal(ValueState.Absent, reply.State);
        Assert.True(reply.Counts);
        Assert.False(reply.IsCandidate);
        Assert.Null(reply.Payload);
        Assert.Equal(ReplicatedVersion.Zero, reply.Version);
    }

    [Fact]
    public void Read_unversioned_when_data_has_no_meta()
    {
        var reply = ParseRead(Read(version: null, tombstone: null, deletedAt: null, expiresAt: null, kind: null, name: null));

        Assert.Equal(ValueState.Unversioned, reply.State);
        Assert.True(reply.Counts);
        Assert.False(reply.IsCandidate);
        Assert.Null(reply.Payload); // data written outside the library is never returned as the value
    }

    [Fact]
    public void Read_live_value()
    {
        var reply = ParseRead(Read());

        Assert.Equal(ValueState.Live, reply.State);
        Assert.Equal(Version, reply.Version);
        Assert.Equal(Payload, reply.Payload);
        Assert.Equal(0, reply.ExpiresAt);
        Assert.True(reply.Counts);
        Assert.True(reply.IsCandidate);
        Assert.Null(reply.Error);
    }

    [Fact]
    public void Read_live_value_with_a_future_expiry_keeps_it()
    {
        var reply = ParseRead(Read(expiresAt: (Now + 60_000).ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(ValueState.Live, reply.State);
        Assert.Equal(Now + 60_000, reply.ExpiresAt);
    }

    [Fact]
    public void Read_live_value_with_missing_time_fields_reads_them_as_zero()
    {
        var reply = ParseRead(Read(deletedAt: null, expiresAt: null));

        Assert.Equal(ValueState.Live, reply.State);
        Assert.Equal(0, reply.ExpiresAt);
    }

    [Fact]
    public void Read_tombstone()
    {
        var reply = ParseRead(Read(tombstone: "1", deletedAt: "1799999999000", withData: false));

        Assert.Equal(ValueState.Tombstone, reply.State);
        Assert.Equal(Version, reply.Version);
        Assert.Equal(1_799_999_999_000, reply.DeletedAt);
        Assert.Null(reply.Payload);
        Assert.True(reply.IsCandidate);
    }

    [Theory]
    [InlineData(-1)] // expiry passed, data still there (Redis has not expired it yet)
    [InlineData(0)] // expiry exactly now
    public void Read_expired_by_time(long offset)
    {
        var expiresAt = Now + offset;
        var reply = ParseRead(Read(expiresAt: expiresAt.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(ValueState.Expired, reply.State);
        Assert.Equal(Version, reply.Version);
        Assert.Equal(expiresAt, reply.ExpiresAt);
        Assert.Null(reply.Payload);
        Assert.True(reply.IsCandidate);
    }

    [Fact]
    public void Read_expired_when_data_is_gone_under_a_ttl_even_before_our_clock_says_so()
    {
        var reply = ParseRead(Read(expiresAt: (Now + 500).ToString(System.Globalization.CultureInfo.InvariantCulture), withData: false));

        Assert.Equal(ValueState.Expired, reply.State);
        Assert.Equal(Now + 500, reply.ExpiresAt);
    }

    [Fact]
    public void Read_damaged_when_meta_of_a_live_value_has_no_data_and_no_ttl()
    {
        var reply = ParseRead(Read(withData: false));

        Assert.Equal(ValueState.Damaged, reply.State);
        Assert.Equal(Version, reply.Version);
        Assert.True(reply.Counts);
        Assert.False(reply.IsCandidate);
    }

    [Theory]
    [InlineData("0000019A2B3C4D5E1122334455667788")] // uppercase
    [InlineData("0000019a2b3c4d5e112233445566778")] // 31 digits
    [InlineData("12345")] // a number, as a Lua tostring would store it
    [InlineData("")]
    public void Read_corrupt_version(string version)
    {
        var error = AssertError<CorruptMetadataException>(ParseRead(Read(version: version)));

        Assert.Contains("32 lowercase hex digits", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_corrupt_version_detail_is_shortened()
    {
        var error = AssertError<CorruptMetadataException>(ParseRead(Read(version: new string('z', 5000))));

        Assert.True(error.Message.Length < 400, error.Message);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("true")]
    [InlineData("")]
    [InlineData(null)]
    public void Read_bad_tombstone_flag(string? flag)
    {
        var error = AssertError<CorruptMetadataException>(ParseRead(Read(tombstone: flag)));

        Assert.Contains("tombstone flag", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1.5", "0")]
    [InlineData("0", "abc")]
    [InlineData("0", "1e12")]
    [InlineData("99999999999999999999", "0")] // overflows a long
    public void Read_non_integer_times(string deletedAt, string expiresAt)
    {
        var error = AssertError<CorruptMetadataException>(ParseRead(Read(deletedAt: deletedAt, expiresAt: expiresAt)));

        Assert.Contains("not an integer", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("l", TypeName)] // a list under the same name
    [InlineData("v", "Order")] // another value type
    [InlineData("v", null)] // kind but no name
    [InlineData("l", "Order")]
    public void Read_kind_or_name_mismatch_is_a_key_type_mismatch(string kind, string? name)
    {
        var error = AssertError<KeyTypeMismatchException>(ParseRead(Read(kind: kind, name: name)));

        Assert.Equal(TypeName, error.ExpectedName);
        Assert.Equal(kind, error.StoredKind);
        Assert.Equal(name ?? string.Empty, error.StoredName);
        Assert.Contains(TypeName, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_of_a_tombstone_of_another_type_is_still_a_mismatch()
    {
        AssertError<KeyTypeMismatchException>(ParseRead(Read(tombstone: "1", kind: "v", name: "Order", withData: false)));
    }

    [Theory]
    [InlineData("x")]
    [InlineData("V")]
    [InlineData("")]
    [InlineData(null)]
    public void Read_corrupt_kind_is_corrupt_metadata(string? kind)
    {
        var error = AssertError<CorruptMetadataException>(ParseRead(Read(kind: kind)));

        Assert.Contains("neither 'v' nor 'l'", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_meta_key_of_the_wrong_redis_type()
    {
        var error = AssertError<CorruptMetadataException>(ParseRead(Array(Int(-1), Bulk("string"))));

        Assert.Contains("string", error.Detail, StringComparison.Ordinal);
        Assert.Contains("not a hash", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_data_key_of_the_wrong_redis_type()
    {
        var error = AssertError<WrongRedisTypeException>(ParseRead(Array(Int(-2), Bulk("list"))));

        Assert.Equal("string", error.ExpectedType);
        Assert.Equal("list", error.ActualType);
    }

    // ---- write statuses ---------------------------------------------------------------------------------

    [Fact]
    public void Write_applied()
    {
        var reply = ValueReplyParser.ParseWrite(Array(Int(0), Bulk(Version.ToString())), Key, Node, TypeName);

        Assert.Equal(NodeOutcomeKind.Applied, reply.Kind);
        Assert.Equal(Version, reply.Stored);
        Assert.Null(reply.Error);
        Assert.True(reply.Counts);
    }

    [Fact]
    public void Write_applied_with_the_written_version_known_reports_it_and_a_superseded_one_is_still_parsed()
    {
        var applied = ValueReplyParser.ParseWrite(Array(Int(0), Bulk(Version.ToString())), Key, Node, TypeName, Version);
        var newer = new ReplicatedVersion(Version.Clock + 1, 0);
        var superseded = ValueReplyParser.ParseWrite(Array(Int(1), Bulk(newer.ToString())), Key, Node, TypeName, Version);

        Assert.Equal((NodeOutcomeKind.Applied, Version), (applied.Kind, applied.Stored));
        Assert.Equal((NodeOutcomeKind.Superseded, newer), (superseded.Kind, superseded.Stored));
    }

    [Fact]
    public void Write_superseded_reports_the_newer_stored_version()
    {
        var newer = new ReplicatedVersion(Version.Clock + 1, 0);
        var reply = ValueReplyParser.ParseWrite(Array(Int(1), Bulk(newer.ToString())), Key, Node, TypeName);

        Assert.Equal(NodeOutcomeKind.Superseded, reply.Kind);
        Assert.Equal(newer, reply.Stored);
        Assert.True(reply.Counts);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void Write_with_a_malformed_version_does_not_count(long status)
    {
        var reply = ValueReplyParser.ParseWrite(Array(Int(status), Bulk("not-a-version")), Key, Node, TypeName);

        Assert.Equal(NodeOutcomeKind.Failed, reply.Kind);
        Assert.False(reply.Counts);
        Assert.IsType<CorruptMetadataException>(reply.Error);
    }

    [Fact]
    public void Write_meta_key_of_the_wrong_type()
    {
        var reply = ValueReplyParser.ParseWrite(Array(Int(-1), Bulk("zset")), Key, Node, TypeName);

        Assert.Equal(NodeOutcomeKind.Failed, reply.Kind);
        var error = Assert.IsType<CorruptMetadataException>(reply.Error);
        Assert.Contains("zset", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_data_key_of_the_wrong_type()
    {
        var reply = ValueReplyParser.ParseWrite(Array(Int(-2), Bulk("hash")), Key, Node, TypeName);

        var error = Assert.IsType<WrongRedisTypeException>(reply.Error);
        Assert.Equal("hash", error.ActualType);
        Assert.Equal(Node, error.Node);
        Assert.False(reply.Counts);
    }

    [Fact]
    public void Write_corrupt_meta_carries_the_script_detail()
    {
        var reply = ValueReplyParser.ParseWrite(Array(Int(-3), Bulk("version is not 32 lowercase hex digits")), Key, Node, TypeName);

        Assert.Equal(NodeOutcomeKind.Failed, reply.Kind);
        var error = Assert.IsType<CorruptMetadataException>(reply.Error);
        Assert.Equal("version is not 32 lowercase hex digits", error.Detail);
        Assert.Equal(Key, error.Key);
    }

    [Theory]
    [InlineData("l", TypeName)]
    [InlineData("v", "Order")]
    public void Write_to_a_key_of_another_type_is_a_mismatch(string kind, string name)
    {
        var reply = ValueReplyParser.ParseWrite(Array(Int(-4), Bulk(kind), Bulk(name)), Key, Node, TypeName);

        Assert.Equal(NodeOutcomeKind.Failed, reply.Kind);
        var error = Assert.IsType<KeyTypeMismatchException>(reply.Error);
        Assert.Equal(kind, error.StoredKind);
        Assert.Equal(name, error.StoredName);
        Assert.Equal(TypeName, error.ExpectedName);
    }

    [Theory]
    [InlineData("")] // the script sends '' for a missing kind
    [InlineData("x")]
    public void Write_to_a_key_with_a_corrupt_kind_is_corrupt_metadata(string kind)
    {
        var reply = ValueReplyParser.ParseWrite(Array(Int(-4), Bulk(kind), Bulk("")), Key, Node, TypeName);

        Assert.IsType<CorruptMetadataException>(reply.Error);
    }

    [Fact]
    public void Write_unknown_status_is_reported_not_thrown()
    {
        var reply = ValueReplyParser.ParseWrite(Array(Int(-9), Bulk("?")), Key, Node, TypeName);

        Assert.Equal(NodeOutcomeKind.Failed, reply.Kind);
        var error = Assert.IsType<AnarchoRedisException>(reply.Error);
        Assert.Contains("-9", error.Message, StringComparison.Ordinal);
        Assert.Equal(Key, error.Key);
    }

    // ---- client-side failures ---------------------------------------------------------------------------

    [Fact]
    public void Classify_timeouts_as_indeterminate()
    {
        Assert.Equal(NodeOutcomeKind.TimedOut, NodeCall.Classify(new RedisTimeoutException(CommandFlags.None, "Timeout performing EVALSHA", CommandStatus.Sent)));
        Assert.Equal(NodeOutcomeKind.TimedOut, NodeCall.Classify(new TimeoutException()));
    }

    [Fact]
    public void Classify_a_connection_lost_in_flight_as_indeterminate()
    {
        Assert.Equal(
            NodeOutcomeKind.TimedOut,
            NodeCall.Classify(new RedisConnectionException(ConnectionFailureType.SocketFailure, CommandFlags.None, "SocketFailure on 127.0.0.1:6379/Interactive", null, CommandStatus.Sent)));
        Assert.Equal(
            NodeOutcomeKind.TimedOut,
            NodeCall.Classify(new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, "socket closed", null, CommandStatus.Sent)));
    }

    [Fact]
    public void Classify_a_node_that_could_not_be_reached_as_failed()
    {
        Assert.Equal(
            NodeOutcomeKind.Failed,
            NodeCall.Classify(new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "It was not possible to connect to the redis server(s).", null, CommandStatus.WaitingToBeSent)));
        Assert.Equal(
            NodeOutcomeKind.Failed,
            NodeCall.Classify(new RedisConnectionException(
                ConnectionFailureType.UnableToResolvePhysicalConnection,
                CommandFlags.None,
                "No connection is active/available to service this operation: EVALSHA",
                null,
                CommandStatus.WaitingToBeSent)));
    }

    [Fact]
    public void Classify_server_errors_and_others_as_failed()
    {
        Assert.Equal(NodeOutcomeKind.Failed, NodeCall.Classify(new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, "ERR Error running script")));
        Assert.Equal(NodeOutcomeKind.Failed, NodeCall.Classify(new RedisServerException(RedisErrorKind.Busy, CommandFlags.None, "BUSY Redis is busy running a script.")));
        Assert.Equal(NodeOutcomeKind.Failed, NodeCall.Classify(new InvalidOperationException()));
    }

    [Fact]
    public void A_failed_read_reply_carries_its_kind_and_error()
    {
        var error = new RedisTimeoutException(CommandFlags.None, "t", CommandStatus.Sent);
        var reply = ValueReadReply.Failed(NodeOutcomeKind.TimedOut, error);

        Assert.Equal(ValueState.Error, reply.State);
        Assert.Equal(NodeOutcomeKind.TimedOut, reply.ErrorKind);
        Assert.Same(error, reply.Error);
        Assert.False(reply.Counts);
    }

    [Fact]
    public void Script_reply_shapes_match_the_lua_sources()
    {
        // The indexes the parser reads must be the ones the scripts return; fail loudly if a script changes shape.
        var read = ReadScriptText("value_read.lua");
        Assert.Contains("return {0, meta[1], meta[2], meta[3], meta[4], meta[5], meta[6], data}", read, StringComparison.Ordinal);
        Assert.Contains("HMGET', KEYS[2], 'v', 't', 'd', 'x', 'k', 'n'", read, StringComparison.Ordinal);

        var write = ReadScriptText("value_write.lua");
        Assert.Contains("return {0, incoming}", write, StringComparison.Ordinal);
        Assert.Contains("return {1, stored}", write, StringComparison.Ordinal);
        Assert.Contains("return {-4, meta[2] or '', meta[3] or ''}", write, StringComparison.Ordinal);
        Assert.Contains("return {-3, ", write, StringComparison.Ordinal);
        Assert.Contains("return {-2, dataType}", write, StringComparison.Ordinal);
    }

    private static string ReadScriptText(string name)
    {
        var assembly = typeof(ValueReplyParser).Assembly;
        var resource = assembly.GetManifestResourceNames().Single(n => n.EndsWith(name, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new System.IO.StreamReader(stream);
        return reader.ReadToEnd();
    }
}

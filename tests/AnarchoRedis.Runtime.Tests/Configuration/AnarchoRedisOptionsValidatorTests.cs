using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.Extensions.Options;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Configuration;

public sealed class AnarchoRedisOptionsValidatorTests
{
    private static AnarchoRedisOptions Valid() => new()
    {
        Nodes = ["127.0.0.1:6379", "127.0.0.2:6379", "127.0.0.3:6379,password=secret"],
    };

    private static IReadOnlyList<string> Failures(AnarchoRedisOptions options)
    {
        var result = new AnarchoRedisOptionsValidator().Validate(null, options);
        Assert.True(result.Failed, "options were accepted");
        return result.Failures!.ToList();
    }

    private static string SingleFailure(AnarchoRedisOptions options) => Assert.Single(Failures(options));

    [Fact]
    public void Valid_options_pass()
    {
        var result = new AnarchoRedisOptionsValidator().Validate(null, Valid());

        Assert.True(result.Succeeded);
        AnarchoRedisOptionsValidator.ThrowIfInvalid(Valid());
    }

    [Fact]
    public void Defaults_with_one_node_pass()
    {
        Assert.True(new AnarchoRedisOptionsValidator().Validate(Options.DefaultName, new AnarchoRedisOptions { Nodes = ["localhost"] }).Succeeded);
    }

    [Fact]
    public void No_nodes()
    {
        Assert.Contains("at least one Redis node", SingleFailure(new AnarchoRedisOptions()), StringComparison.Ordinal);
        Assert.Contains("at least one Redis node", SingleFailure(new AnarchoRedisOptions { Nodes = null! }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:6379", "127.0.0.1:6379")]
    [InlineData("redis-a:6379", "REDIS-A:6379")]
    [InlineData("127.0.0.1:6379", "127.0.0.1:6379,password=other")]
    public void Duplicate_node(string first, string second)
    {
        var failure = SingleFailure(new AnarchoRedisOptions { Nodes = [first, second] });

        Assert.Contains($"'{second}'", failure, StringComparison.Ordinal);
        Assert.Contains("listed twice", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_node_with_and_without_the_default_port()
    {
        var failure = SingleFailure(new AnarchoRedisOptions { Nodes = ["redis-a", "redis-a:6379"] });

        Assert.Contains("listed twice", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_endpoints_in_one_node_string_are_the_seeds_of_one_cluster_replica()
    {
        // SPIKE (issue 17, patch 1): a node may be a Redis Cluster given by several seeds.
        Assert.Null(Record.Exception(() => AnarchoRedisOptionsValidator.ThrowIfInvalid(new AnarchoRedisOptions { Nodes = ["127.0.0.1:6379,127.0.0.2:6379"] })));
    }

    [Fact]
    public void A_seed_listed_under_two_nodes()
    {
        var failure = SingleFailure(new AnarchoRedisOptions { Nodes = ["127.0.0.1:6379,127.0.0.2:6379", "127.0.0.2:6379,127.0.0.3:6379"] });

        Assert.Contains("listed twice", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_string_without_endpoint()
    {
        Assert.Contains("names no endpoint", SingleFailure(new AnarchoRedisOptions { Nodes = ["password=secret"] }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void An_empty_node_string_is_reported_not_thrown(string? node)
    {
        var failure = SingleFailure(new AnarchoRedisOptions { Nodes = [node!] });

        Assert.StartsWith("Node ''", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:6379,connectTimeout=abc")]
    [InlineData("127.0.0.1:6379,ssl=maybe")]
    public void A_malformed_node_string_is_reported_not_thrown(string node)
    {
        var failure = SingleFailure(new AnarchoRedisOptions { Nodes = [node] });

        Assert.Contains($"'{node}'", failure, StringComparison.Ordinal);
        Assert.Contains("not a valid StackExchange.Redis configuration", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Non_positive_timeouts_and_limits()
    {
        var options = Valid();
        options.NodeTimeout = TimeSpan.Zero;
        options.ConnectTimeout = TimeSpan.FromSeconds(-1);
        options.TombstoneGracePeriod = TimeSpan.Zero;
        options.MaxClockSkew = TimeSpan.FromTicks(-1);
        options.MaxValueBytes = 0;
        options.MaxKeyBytes = -5;

        var failures = Failures(options);

        Assert.Equal(6, failures.Count);
        Assert.Contains("NodeTimeout must be positive.", failures);
        Assert.Contains("ConnectTimeout must be positive.", failures);
        Assert.Contains("TombstoneGracePeriod must be positive.", failures);
        Assert.Contains("MaxClockSkew must be positive.", failures);
        Assert.Contains("MaxValueBytes must be positive.", failures);
        Assert.Contains("MaxKeyBytes must be positive.", failures);
    }

    [Theory]
    [InlineData("meta{")]
    [InlineData("meta}")]
    [InlineData("")]
    [InlineData(null)]
    public void Meta_prefix_with_braces_or_empty(string? prefix)
    {
        var options = Valid();
        options.MetaKeyPrefix = prefix!;

        var failure = SingleFailure(options);

        Assert.Contains("MetaKeyPrefix", failure, StringComparison.Ordinal);
        Assert.Contains("hash slot", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Consistency.Default, Consistency.Quorum)]
    [InlineData(Consistency.All, Consistency.Default)]
    [InlineData((Consistency)9, Consistency.One)]
    [InlineData(Consistency.One, (Consistency)(-1))]
    public void Default_or_undefined_consistency(Consistency read, Consistency write)
    {
        var options = Valid();
        options.ReadConsistency = read;
        options.WriteConsistency = write;

        Assert.Contains("must be One, Quorum or All", SingleFailure(options), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(1000)]
    [InlineData(5000)]
    public void Hedge_delay_not_positive_or_not_below_the_node_timeout(int milliseconds)
    {
        var options = Valid();
        options.NodeTimeout = TimeSpan.FromSeconds(1);
        options.HedgeDelay = TimeSpan.FromMilliseconds(milliseconds);

        Assert.Contains("HedgeDelay must be positive and below NodeTimeout", SingleFailure(options), StringComparison.Ordinal);
    }

    [Fact]
    public void Undefined_read_fan_out()
    {
        var options = Valid();
        options.ReadFanOut = (ReadFanOut)7;

        Assert.Contains("ReadFanOut 7 is not defined", SingleFailure(options), StringComparison.Ordinal);
    }

    [Fact]
    public void All_errors_are_reported_together_and_ThrowIfInvalid_names_them()
    {
        var options = new AnarchoRedisOptions { NodeTimeout = TimeSpan.Zero, MetaKeyPrefix = "{x}" };

        Assert.Equal(3, Failures(options).Count);
        var error = Assert.Throws<ArgumentException>(() => AnarchoRedisOptionsValidator.ThrowIfInvalid(options));
        Assert.Equal("options", error.ParamName);
        Assert.Contains("at least one Redis node", error.Message, StringComparison.Ordinal);
        Assert.Contains("NodeTimeout must be positive.", error.Message, StringComparison.Ordinal);
        Assert.Contains("MetaKeyPrefix", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("t{")]
    [InlineData("anrcho_version:")]
    public void List_tombstone_prefix_must_be_usable(string prefix)
    {
        var options = Valid();
        options.ListTombstonePrefix = prefix;

        Assert.Contains("ListTombstonePrefix", SingleFailure(options), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("c{")]
    [InlineData("anrcho_version:")] // the meta prefix itself
    [InlineData("anrcho_tomb:claims:")] // starts with the tombstone prefix
    public void List_claim_prefix_must_be_usable(string prefix)
    {
        var options = Valid();
        options.ListClaimPrefix = prefix;

        Assert.Contains("ListClaimPrefix", SingleFailure(options), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Pop_claim_lease_and_attempts_must_be_positive(int value)
    {
        var lease = Valid();
        lease.PopClaimLease = TimeSpan.FromSeconds(value);
        Assert.Contains("PopClaimLease", SingleFailure(lease), StringComparison.Ordinal);

        var attempts = Valid();
        attempts.PopClaimAttempts = value;
        Assert.Contains("PopClaimAttempts", SingleFailure(attempts), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s{")]
    [InlineData("s}")]
    [InlineData("anrcho_version:")] // the meta prefix itself
    [InlineData("anrcho_version:slot:")] // starts with the meta prefix
    [InlineData("anrcho_tomb:x")] // starts with the tombstone prefix
    public void Slot_key_prefix_must_be_usable(string prefix)
    {
        var options = Valid();
        options.SlotKeyPrefix = prefix;

        Assert.Contains("SlotKeyPrefix", SingleFailure(options), StringComparison.Ordinal);
    }

    [Fact]
    public void Slot_digests_are_on_by_default_with_their_own_prefix()
    {
        var options = Valid();

        Assert.True(options.SlotDigests);
        Assert.Equal("anrcho_slot:", options.SlotKeyPrefix);
        options.SlotDigests = false;
        options.SlotKeyPrefix = "my_slots:";
        Assert.True(new AnarchoRedisOptionsValidator().Validate(null, options).Succeeded);
    }
}

using System;
using System.Collections.Generic;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Health;

public sealed class NodeHealthOptionsTests
{
    private static AnarchoRedisOptions Valid() => new() { Nodes = ["127.0.0.1:6379"] };

    [Fact]
    public void Defaults_are_the_documented_values_and_valid()
    {
        var options = Valid();

        Assert.Equal(3, options.Health.FailureThreshold);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.Health.ProbeInterval);
        Assert.Equal("anrcho_epoch", options.EpochKey);
        Assert.True(new AnarchoRedisOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("Health.FailureThreshold")]
    [InlineData("Health.ProbeInterval")]
    [InlineData("Health")]
    public void Each_bad_health_setting_is_named_in_the_error(string setting)
    {
        var options = Valid();
        switch (setting)
        {
            case "Health.FailureThreshold": options.Health.FailureThreshold = 0; break;
            case "Health.ProbeInterval": options.Health.ProbeInterval = TimeSpan.Zero; break;
            default: options.Health = null!; break;
        }

        var result = new AnarchoRedisOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("anrcho_version:epoch")]
    [InlineData("anrcho_slot:x")]
    [InlineData("anrcho_tomb:")]
    [InlineData("anrcho_")]
    public void An_epoch_key_that_is_empty_or_overlaps_a_reserved_prefix_is_rejected(string epochKey)
    {
        var options = Valid();
        options.EpochKey = epochKey;

        var result = new AnarchoRedisOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("EpochKey", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Health_settings_and_the_epoch_key_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nodes:0"] = "127.0.0.1:6379",
            ["EpochKey"] = "my_epoch",
            ["Health:FailureThreshold"] = "5",
            ["Health:ProbeInterval"] = "00:00:02",
        }).Build();

        var options = configuration.Get<AnarchoRedisOptions>()!;

        Assert.Equal("my_epoch", options.EpochKey);
        Assert.Equal(5, options.Health.FailureThreshold);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Health.ProbeInterval);
        Assert.True(new AnarchoRedisOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void A_user_key_named_as_the_epoch_key_is_rejected()
    {
        var keys = new KeySpace(AnarchoRedisOptions.DefaultMetaKeyPrefix, 1024, "anrcho_tomb:", "anrcho_slot:", "anrcho_epoch");

        var error = Assert.Throws<InvalidKeyException>(() => keys.MetaKey("anrcho_epoch"));

        Assert.Contains("epoch key", error.Message, StringComparison.Ordinal);
        Assert.Equal("anrcho_version:{anrcho_epoch_2}", keys.MetaKey("anrcho_epoch_2"));
    }
}

using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.AntiEntropy;

public sealed class AntiEntropyOptionsTests
{
    private static AnarchoRedisOptions Valid() => new() { Nodes = ["127.0.0.1:6379"] };

    [Fact]
    public void Defaults_are_valid_and_documented_values()
    {
        var options = Valid();
        Assert.True(options.SlotDigests);
        Assert.True(options.AntiEntropy.Enabled);
        Assert.Equal(TimeSpan.FromMinutes(10), options.AntiEntropy.Interval);
        Assert.Equal(20_000, options.AntiEntropy.MaxKeysPerSecond);
        Assert.True(new AnarchoRedisOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("Interval")]
    [InlineData("Jitter")]
    [InlineData("MaxKeysPerSecond")]
    [InlineData("SlotBatchSize")]
    [InlineData("Concurrency")]
    [InlineData("MaxReportedProblems")]
    public void Each_bad_setting_is_named_in_the_error(string setting)
    {
        var options = Valid();
        var ae = options.AntiEntropy;
        switch (setting)
        {
            case "Interval": ae.Interval = TimeSpan.Zero; break;
            case "Jitter": ae.Jitter = TimeSpan.FromSeconds(-1); break;
            case "MaxKeysPerSecond": ae.MaxKeysPerSecond = -1; break;
            case "SlotBatchSize": ae.SlotBatchSize = HashSlot.Count + 1; break;
            case "Concurrency": ae.Concurrency = 0; break;
            default: ae.MaxReportedProblems = -1; break;
        }

        var result = new AnarchoRedisOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains("AntiEntropy." + setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_throttle_spaces_work_to_its_rate_and_zero_means_no_limit()
    {
        var unlimited = new Throttle(0, TimeProvider.System);
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(unlimited.WaitAsync(CancellationToken.None).IsCompletedSuccessfully);
        }

        // 200 per second: 100 waits after the first second's allowance take at least about half a second.
        var throttle = new Throttle(200, TimeProvider.System);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 300; i++)
        {
            await throttle.WaitAsync(CancellationToken.None);
        }

        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(0.9), $"300 keys at 200/s took {watch.Elapsed.TotalSeconds:0.00} s");
    }
}

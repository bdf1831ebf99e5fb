using System;
using System.Linq;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using Xunit;

namespace AnarchoRedis.IntegrationTests.Lists;

/// <summary>
/// A list delete from a clock far ahead (beyond MaxClockSkew) leaves a watermark that a push from a clock on time falls
/// under: such a push can never be seen, so it must not be reported done (values have that rule: a write a version
/// beyond MaxClockSkew beats is not acknowledged, docs/reliability.md row 11). Found by the Jepsen check's clock-jump
/// nemesis (InvisibleWrites).
/// </summary>
public sealed class ListClockSkewTests
{
    private sealed class AheadTime(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + ahead;
    }

    [Fact]
    public async Task A_push_below_a_list_delete_beyond_max_clock_skew_is_refused_or_visible_never_acknowledged_and_lost()
    {
        await using var cluster = await RedisCluster.StartAsync();
        void Skew(AnarchoRedisOptions o) => o.MaxClockSkew = TimeSpan.FromSeconds(30);
        var fast = (await cluster.CreateClientAsync(Skew, new AheadTime(TimeSpan.FromMinutes(10)))).GetListStore(ChatMessage.Descriptor);
        var onTime = (await cluster.CreateClientAsync(Skew)).GetListStore(ChatMessage.Descriptor);
        const string key = "chat:deleted-ahead";
        await onTime.PushRightAsync(key, ChatMessage.Of("a"), WriteOptions.All);
        await fast.DeleteAsync(key, WriteOptions.All);

        ListWriteResult pushed;
        try
        {
            pushed = await onTime.PushRightAsync(key, ChatMessage.Of("b"));
        }
        catch (QuorumNotReachedException refused) when (!refused.IsIndeterminate)
        {
            // Refused, definitely not applied: the caller knows.
            return;
        }

        // Acknowledged: then it must be there.
        Assert.True(pushed.Acknowledged >= 2);
        Assert.Equal(["b"], (await onTime.RangeAsync(key, options: ReadOptions.All)).Select(m => m.Text).ToArray());
    }
    /// <summary>
    /// The converse, found by the clock-jump nemesis once the rule above existed: a write that does take effect on a list
    /// whose version is beyond MaxClockSkew (a removal's tombstones, a push above the delete watermark) must not be
    /// reported as definitely failed, or a caller that trusts the report is wrong about what the list holds.
    /// </summary>
    [Fact]
    public async Task Writes_that_take_effect_on_a_list_ahead_of_the_clock_are_never_reported_as_definitely_failed()
    {
        await using var cluster = await RedisCluster.StartAsync();
        void Skew(AnarchoRedisOptions o) => o.MaxClockSkew = TimeSpan.FromSeconds(30);
        var fast = (await cluster.CreateClientAsync(Skew, new AheadTime(TimeSpan.FromMinutes(10)))).GetListStore(ChatMessage.Descriptor);
        var onTime = (await cluster.CreateClientAsync(Skew)).GetListStore(ChatMessage.Descriptor);
        const string key = "chat:pushed-ahead";
        await onTime.PushRightAsync(key, [ChatMessage.Of("a"), ChatMessage.Of("b")], WriteOptions.All);
        await fast.PushRightAsync(key, ChatMessage.Of("c"), WriteOptions.All);

        await AcknowledgedOrIndeterminateAsync(async () => await onTime.RemoveAsync(key, ChatMessage.Of("a")));
        await AcknowledgedOrIndeterminateAsync(async () => await onTime.PushRightAsync(key, ChatMessage.Of("d")));
        await AcknowledgedOrIndeterminateAsync(async () => await onTime.TrimAsync(key, 0, 1));

        // Whatever the calls returned, they all took effect: a removed, d pushed (on time, so before c), then trimmed to two.
        Assert.Equal(["b", "d"], (await fast.RangeAsync(key, options: ReadOptions.All)).Select(m => m.Text).ToArray());
    }

    private static async Task AcknowledgedOrIndeterminateAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (QuorumNotReachedException failed) when (!failed.IsIndeterminate)
        {
            Assert.Fail($"reported as definitely failed, but it takes effect: {failed.Message}");
        }
        catch (QuorumNotReachedException)
        {
            // Indeterminate: the caller is told it may have taken effect.
        }
    }
}

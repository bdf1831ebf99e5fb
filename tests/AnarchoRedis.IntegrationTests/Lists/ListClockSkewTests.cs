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
}

using System;
using System.Diagnostics;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Scripts a Redis Cluster refuses for their key's slot for the moment, sent again a few times. The refusals are
/// <c>TRYAGAIN</c> (the slot is migrating and the script's keys are split between the two shards), <c>CLUSTERDOWN</c>,
/// and a <c>MOVED</c> or <c>ASK</c> that StackExchange.Redis left to us (it follows them itself when it can). A refused
/// script did not run, so sending it again is safe; and it would be safe even had it run: every script is idempotent by
/// version (value_write.lua applies a version only over an older one and answers "superseded" to the same one again;
/// list_push.lua inserts an element id once and finds it there the second time; the purges and replaces are
/// conditional on the versions the client saw).
/// </summary>
internal sealed partial class ReplicaNode
{
    /// <summary>The pauses before each resend of a refused script; plus up to half of each at random (jitter).</summary>
    internal static readonly int[] SlotRetryDelaysMs = [5, 20, 80];

    /// <summary>How long one command to this node may take (<see cref="AnarchoRedisOptions.NodeTimeout"/>): the retries stay within it.</summary>
    private readonly TimeSpan _nodeTimeout;

    /// <summary>
    /// Raised before each resend of a script the node's shard refused for its slot (on the caller's thread; handlers
    /// must be quick): the client counts it (<c>anarchoredis.node.retries</c>) and logs it at debug level.
    /// </summary>
    public event Action<ReplicaNode, SlotRetry>? SlotRetrying;

    /// <summary>
    /// <see cref="EvaluateOrReloadAsync"/> with the slot refusals retried: for the scripts a user operation or a repair
    /// depends on (the operation path's own calls go through <see cref="NodeCall"/>, which does the same).
    /// </summary>
    /// <exception cref="NodeSlotUnavailableException">The shard refused the script every time it was sent.</exception>
    public Task<RedisResult> EvaluateRetryingAsync(LuaScript script, RedisKey[] keys, RedisValue[] values) =>
        EvaluateRetryingAsync(HealthFor(keys), script, keys, values);

    /// <summary>
    /// EVALSHA (loading the script once on NOSCRIPT); a slot refusal (<see cref="SlotRefusalOf"/>) is sent again after
    /// 5, 20 and 80 ms plus jitter, while the pause still ends within <see cref="AnarchoRedisOptions.NodeTimeout"/> of the
    /// first send; then the call fails with <see cref="NodeSlotUnavailableException"/>. Each send's answer or failure is
    /// recorded in <paramref name="health"/>: a refusal is an answer (the server is up), so it never opens the circuit.
    /// </summary>
    /// <param name="health">The health the call reports to: the shard of its first key on a cluster node.</param>
    /// <param name="script">The script.</param>
    /// <param name="keys">Its keys.</param>
    /// <param name="values">Its arguments.</param>
    /// <exception cref="NodeSlotUnavailableException">The shard refused the script every time it was sent.</exception>
    internal async Task<RedisResult> EvaluateRetryingAsync(NodeHealth health, LuaScript script, RedisKey[] keys, RedisValue[] values)
    {
        var first = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            var started = attempt == 1 ? first : Stopwatch.GetTimestamp();
            RedisServerException refused;
            string word;
            try
            {
                var result = await EvaluateLoadingAsync(script, keys, values).ConfigureAwait(false);
                health.OnAnswer(started);
                return result;
            }
            catch (RedisServerException ex) when (SlotRefusalOf(ex) is { } refusal)
            {
                health.OnAnswer(started);
                (refused, word) = (ex, refusal);
            }
            catch (Exception ex)
            {
                health.Observe(ex, started);
                throw;
            }

            var slot = keys.Length > 0 ? HashSlot.Of((string)keys[0]!) : -1;
            var delay = attempt <= SlotRetryDelaysMs.Length ? SlotRetryDelaysMs[attempt - 1] : 0;
            delay += Random.Shared.Next((delay / 2) + 1);
            if (attempt > SlotRetryDelaysMs.Length || Stopwatch.GetElapsedTime(first) + TimeSpan.FromMilliseconds(delay) >= _nodeTimeout)
            {
                throw new NodeSlotUnavailableException(Name, health.State, slot, word, attempt, refused);
            }

            SlotRetrying?.Invoke(this, new SlotRetry(script.Name, slot, word, attempt, delay));
            await Task.Delay(delay).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The server's word when <paramref name="error"/> is a cluster's refusal of a command for its slot for the moment
    /// (<c>TRYAGAIN</c>, <c>CLUSTERDOWN</c>, <c>MOVED</c>, <c>ASK</c>): the command did not run. Otherwise <see langword="null"/>.
    /// A standalone server never answers these.
    /// </summary>
    internal static string? SlotRefusalOf(RedisServerException error)
    {
        var text = error.Message.AsSpan();
        var end = text.IndexOf(' ');
        var word = end < 0 ? text : text[..end];
        return word switch
        {
            "TRYAGAIN" => "TRYAGAIN",
            "CLUSTERDOWN" => "CLUSTERDOWN",
            "MOVED" => "MOVED",
            "ASK" => "ASK",
            _ => null,
        };
    }
}

/// <summary>One resend of a script a cluster shard refused for its slot.</summary>
/// <param name="Script">The script's name.</param>
/// <param name="Slot">The hash slot of its first key (-1: no key).</param>
/// <param name="Refusal">The server's word: TRYAGAIN, CLUSTERDOWN, MOVED or ASK.</param>
/// <param name="Attempt">The number of sends refused so far.</param>
/// <param name="DelayMs">The pause before the resend, in milliseconds.</param>
internal readonly record struct SlotRetry(string Script, int Slot, string Refusal, int Attempt, int DelayMs);

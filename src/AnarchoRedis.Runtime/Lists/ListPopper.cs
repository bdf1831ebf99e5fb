using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// Exactly-once pops (list_claim.lua): an element is handed to at most one caller of <see cref="PopOnceAsync"/>.
/// </summary>
/// <remarks>
/// <para>A round: every node claims, for this pop, the first element from the popped side that no other popper's claim
/// covers (one script call per node). When a quorum Q of nodes (a majority, or W when larger) claimed the same element,
/// the pop takes it: each of those nodes removes it only if this pop's claim still stands there and the element is not
/// removed yet, and the pop returns it only when Q nodes took it. A node lets one popper take an element at most once
/// (the take tombstones it), and two quorums share a node: at most one popper returns the element, however the claims
/// went, whatever the leases and clocks say. The nodes that did not take it are sent a plain removal afterwards.</para>
/// <para>Claims only keep concurrent poppers from spoiling each other's quorums: a pop releases the claims it does not
/// use, and when the claims split so that no element has Q, every popper releases and tries again after a random
/// backoff. A claim of a popper that stopped between claim and take covers its element for
/// <see cref="AnarchoRedisOptions.PopClaimLease"/>.</para>
/// <para>Replies count only from nodes whose epoch is ready (as for reads): a node that lost its data, and with it the
/// tombstones of taken elements, takes part again only once anti-entropy refilled it. The guarantee therefore holds
/// while fewer than Q nodes lose their data between repairs, as every other guarantee. It holds among exactly-once pops:
/// a plain pop, remove or trim does not look at claims.</para>
/// </remarks>
internal sealed class ListPopper : Replicator
{
    private readonly ListKeys _listKeys;
    private readonly ListReader _reader;

    public ListPopper(ReplicationContext context, ListKeys keys, ListReader reader)
        : base(context)
    {
        _listKeys = keys;
        _reader = reader;
    }

    /// <summary>The quorum an exactly-once pop needs for its claims and its take: a majority, or W when larger.</summary>
    public int QuorumFor(ReplicatedTypeDescriptor descriptor, WriteOptions? options) => Math.Max(_nodes.Majority, RequiredForWrite(descriptor, options));

    /// <summary>Pops the head (<see cref="ListSide.Left"/>) or the tail exactly once; <see langword="null"/> when there is nothing to pop.</summary>
    /// <exception cref="PopContendedException">No element reached a quorum of claims in <see cref="AnarchoRedisOptions.PopClaimAttempts"/> rounds.</exception>
    /// <exception cref="QuorumNotReachedException">Fewer than Q nodes answered (not indeterminate), or the take reached fewer than Q nodes after it started (indeterminate when any node removed the element: it may be gone without having been returned).</exception>
    public async ValueTask<ListElement?> PopOnceAsync(ReplicatedTypeDescriptor descriptor, string key, ListSide side, int required, CancellationToken cancellationToken)
    {
        var operation = side == ListSide.Left ? "lpop_once" : "rpop_once";
        var started = Stopwatch.GetTimestamp();
        using var span = StartSpan(operation, descriptor.Name, AnarchoRedisTracing.ListKind, required);
        try
        {
            var claimKeys = _listKeys.ClaimKeys(key);
            var claimant = _clock.Next().ToString();
            var attempts = _options.PopClaimAttempts;
            for (var attempt = 1; attempt <= attempts; attempt++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var now = NowMs;
                RedisValue[] args = [descriptor.Name, "claim", claimant, side == ListSide.Left ? "L" : "R", now, now + (long)_options.PopClaimLease.TotalMilliseconds];
                var claims = await new PopRound(_nodes.Count, ClaimDecision(required)).RunAsync(this, key, claimKeys, args, descriptor.Name, parseClaim: true).WaitAsync(cancellationToken).ConfigureAwait(false);
                var (outcome, winner) = Decide(claims.Replies, claims.Arrived, required);
                if (outcome == ClaimOutcome.Unreachable)
                {
                    Release(key, claimKeys, descriptor.Name, claimant, claims, static _ => true);
                    Completed(operation, "quorum_failed", started, span);
                    throw QuorumFailure(operation, key, required, claims.Replies, claims.Arrived, static r => r.Outcome, isWrite: false);
                }

                if (outcome == ClaimOutcome.Empty || (outcome == ClaimOutcome.AllClaimed && attempt == attempts))
                {
                    // Nothing to claim: the list is empty; or, after the last round, every element is another popper's.
                    Release(key, claimKeys, descriptor.Name, claimant, claims, static _ => true);
                    Completed(operation, "ok", started, span);
                    span?.SetTag("anarchoredis.list.removed", 0);
                    return null;
                }

                if (outcome == ClaimOutcome.Won)
                {
                    var won = winner.Id;
                    Release(key, claimKeys, descriptor.Name, claimant, claims, id => id != won);
                    if (await TakeAsync(operation, descriptor, key, claimant, winner, claims, required).ConfigureAwait(false))
                    {
                        Completed(operation, "ok", started, span);
                        span?.SetTag("anarchoredis.list.removed", 1);
                        span?.SetTag("anarchoredis.pop.rounds", attempt);
                        return winner;
                    }
                }
                else
                {
                    Release(key, claimKeys, descriptor.Name, claimant, claims, static _ => true);
                }

                _metrics.PopRetried(descriptor.Name);
                if (outcome == ClaimOutcome.Diverged)
                {
                    // No other popper's claim in the way: the nodes hold different lists. Merge and repair them (as a read
                    // that finds them differing does), then claim again at once.
                    await SyncAsync(key, descriptor.Name, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                // Split claims, elements all claimed by others, or a take another popper beat us to: back off for a
                // random while that grows, then again.
                var backoff = Random.Shared.Next(1, 1 + Math.Min(50, 2 << Math.Min(attempt, 5)));
                await Task.Delay(TimeSpan.FromMilliseconds(backoff), _time, cancellationToken).ConfigureAwait(false);
            }

            Completed(operation, "contended", started, span);
            throw new PopContendedException(key, attempts);
        }
        catch (Exception ex) when (AnarchoRedisTracing.Failed(span, ex))
        {
            throw; // Never reached: the filter records the failure on the span and declines.
        }
    }

    private enum ClaimOutcome
    {
        /// <summary>Q nodes claimed the same element for this pop.</summary>
        Won,

        /// <summary>Q nodes had nothing to claim and no other popper's claim in the way: the list is empty.</summary>
        Empty,

        /// <summary>Q nodes had nothing to claim because other poppers' claims covered every element.</summary>
        AllClaimed,

        /// <summary>No element has Q claims and other poppers' claims are in the way: contention.</summary>
        Split,

        /// <summary>No element has Q claims and no other popper's claim is in the way: the nodes' lists differ.</summary>
        Diverged,

        /// <summary>Fewer than Q nodes can answer in a way that counts.</summary>
        Unreachable,
    }

    /// <summary>A blocking merge and repair of the list, as a read does when the nodes differ; failures are left to the next round.</summary>
    private async Task SyncAsync(string key, string typeName, CancellationToken cancellationToken)
    {
        try
        {
            await _reader.SyncAsync(key, typeName, 1, "blocking", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.ListRepairFailed(_logger, key, "*", ex);
        }
    }

    /// <summary>Whether the round can stop waiting: an element or "nothing" has Q counted answers, or neither can get them.</summary>
    private static Func<ClaimReply[], bool[], int, bool> ClaimDecision(int required) => (replies, arrived, pending) =>
    {
        var (outcome, _) = Decide(replies, arrived, required);
        if (outcome is ClaimOutcome.Won or ClaimOutcome.Empty or ClaimOutcome.AllClaimed)
        {
            return true;
        }

        // Still undecided: stop only when no element and not "nothing" could reach Q with every pending answer.
        var best = 0;
        var none = 0;
        for (var i = 0; i < replies.Length; i++)
        {
            if (!arrived[i] || !replies[i].Counts)
            {
                continue;
            }

            if (replies[i].Id is null)
            {
                none++;
                continue;
            }

            best = Math.Max(best, ClaimsOf(replies, arrived, replies[i].Id!.Value));
        }

        return Math.Max(best, none) + pending < required;
    };

    /// <summary>How many counted answers claimed the element <paramref name="id"/>.</summary>
    private static int ClaimsOf(ClaimReply[] replies, bool[] arrived, ReplicatedVersion id)
    {
        var same = 0;
        for (var j = 0; j < replies.Length; j++)
        {
            same += arrived[j] && replies[j].Counts && replies[j].Id == id ? 1 : 0;
        }

        return same;
    }

    private static (ClaimOutcome Outcome, ListElement Winner) Decide(ClaimReply[] replies, bool[] arrived, int required)
    {
        var counted = 0;
        var none = 0;
        var noneBlocked = 0;
        var blocked = false;
        for (var i = 0; i < replies.Length; i++)
        {
            if (!arrived[i] || !replies[i].Counts)
            {
                continue;
            }

            counted++;
            blocked |= replies[i].Skipped > 0;
            if (replies[i].Id is not { } id)
            {
                none++;
                noneBlocked += replies[i].Skipped > 0 ? 1 : 0;
                continue;
            }

            if (ClaimsOf(replies, arrived, id) >= required)
            {
                return (ClaimOutcome.Won, replies[i].Element);
            }
        }

        if (none >= required)
        {
            return (noneBlocked == 0 ? ClaimOutcome.Empty : ClaimOutcome.AllClaimed, default);
        }

        var pending = 0;
        for (var i = 0; i < arrived.Length; i++)
        {
            pending += arrived[i] ? 0 : 1;
        }

        if (counted + pending < required)
        {
            return (ClaimOutcome.Unreachable, default);
        }

        return (blocked ? ClaimOutcome.Split : ClaimOutcome.Diverged, default);
    }

    /// <summary>
    /// Takes the won element on the nodes that claimed it for this pop; true when Q of them took it (the nodes that did not
    /// are then sent a plain removal). False when fewer did and none removed it: nothing happened, the pop tries again.
    /// </summary>
    /// <exception cref="QuorumNotReachedException">Fewer than Q took it and some removed it, or may have (indeterminate).</exception>
    private async Task<bool> TakeAsync(string operation, ReplicatedTypeDescriptor descriptor, string key, string claimant, ListElement winner, RoundResult claims, int required)
    {
        var keys = _listKeys.TakeKeys(key);
        var now = NowMs;
        var id = winner.Id;
        var idText = id.ToString();
        RedisValue[] args = [descriptor.Name, "take", claimant, _clock.Next().ToString(), now, now + GraceMs, idText, ListDigest.Format(ListDigest.ElementHash(id))];
        var asked = new bool[_nodes.Count];
        for (var i = 0; i < asked.Length; i++)
        {
            asked[i] = claims.Arrived[i] && claims.Replies[i].Id == id;
        }

        var takes = await new PopRound(_nodes.Count, (replies, arrived, pending) =>
        {
            var taken = 0;
            for (var i = 0; i < replies.Length; i++)
            {
                taken += arrived[i] && replies[i].Counts && replies[i].Taken ? 1 : 0;
            }

            return taken >= required || taken + pending < required;
        }).RunAsync(this, key, keys, args, descriptor.Name, parseClaim: false, asked).ConfigureAwait(false);

        var counted = 0;
        var applied = false;
        for (var i = 0; i < asked.Length; i++)
        {
            if (!asked[i])
            {
                continue;
            }

            if (!takes.Arrived[i])
            {
                applied = true; // Still running: it may remove the element.
                continue;
            }

            var reply = takes.Replies[i];
            counted += reply.Counts && reply.Taken ? 1 : 0;
            applied |= reply.Taken || reply.Outcome.Kind == NodeOutcomeKind.TimedOut;
        }

        if (counted >= required)
        {
            // Every node is to hold the removal: those that did not take it part get it as a plain removal, so the
            // replicas agree without waiting for a merge.
            var others = new List<ReplicaNode>();
            for (var i = 0; i < asked.Length; i++)
            {
                if (!(asked[i] && takes.Arrived[i] && takes.Replies[i].Taken))
                {
                    others.Add(_nodes.Nodes[i]);
                }
            }

            if (others.Count > 0)
            {
                // The same version and time as the take: every node ends with the same meta and slot entry.
                _ = DropElsewhereAsync(others, key, keys, args);
            }

            return true;
        }

        // The claims on the element, including those still to arrive, are released.
        Release(key, _listKeys.ClaimKeys(key), descriptor.Name, claimant, claims, claimed => claimed == id);
        if (!applied)
        {
            return false;
        }

        var outcomes = new ClaimReply[asked.Length];
        for (var i = 0; i < asked.Length; i++)
        {
            outcomes[i] = asked[i] ? takes.Replies[i] : ClaimReply.NotAsked;
        }

        throw QuorumFailure(operation, key, required, outcomes, takes.Arrived, static r => r.Outcome);
    }

    /// <summary>Sends list_claim.lua's drop (the take's arguments, unconditional) to nodes, without waiting for them to count.</summary>
    private async Task DropElsewhereAsync(List<ReplicaNode> nodes, string key, RedisKey[] keys, RedisValue[] takeArgs)
    {
        var args = (RedisValue[])takeArgs.Clone();
        args[1] = "drop";
        foreach (var node in nodes)
        {
            try
            {
                await node.EvaluateRetryingAsync(LuaScript.ListClaim, keys, args).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A node that misses it learns it from the merge of the next disagreement, or from anti-entropy.
                Log.ListRepairFailed(_logger, key, node.Name, ex);
            }
        }
    }

    /// <summary>Releases this pop's claims that <paramref name="which"/> selects, on every node, as each node's claim arrives.</summary>
    private void Release(string key, RedisKey[] keys, string typeName, string claimant, RoundResult claims, Func<ReplicatedVersion, bool> which)
    {
        for (var i = 0; i < _nodes.Count; i++)
        {
            var node = _nodes.Nodes[i];
            _ = claims.Round.WhenArrived(i).ContinueWith(
                reply =>
                {
                    if (reply.Result.Id is { } id && which(id))
                    {
                        _ = ReleaseAsync(node, key, keys, typeName, claimant, id.ToString());
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private async Task ReleaseAsync(ReplicaNode node, string key, RedisKey[] keys, string typeName, string claimant, string id)
    {
        try
        {
            await node.EvaluateRetryingAsync(LuaScript.ListClaim, keys, [typeName, "release", claimant, id]).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The claim lapses with its lease.
            Log.ListRepairFailed(_logger, key, node.Name, ex);
        }
    }

    /// <summary>One node's answer to list_claim.lua (claim or take), with its outcome for a quorum failure.</summary>
    private readonly record struct ClaimReply(bool Counts, ListElement Element, ReplicatedVersion? Id, bool Taken, NodeOutcome Outcome) : INodeReply
    {
        /// <summary>A claim's answer: how many elements other poppers' claims covered before it.</summary>
        public long Skipped { get; init; }

        public static ClaimReply NotAsked { get; } = new(false, default, null, false, new NodeOutcome(string.Empty, NodeOutcomeKind.Skipped));

        public static ClaimReply Failed(NodeOutcomeKind kind, Exception error) => new(false, default, null, false, new NodeOutcome(string.Empty, kind, null, error));

        public static ClaimReply Parse(RedisResult result, string key, string node, string typeName, bool claim)
        {
            var items = (RedisResult[])result!;
            var code = (long)items[0];
            if (code == -7)
            {
                return Failed(NodeOutcomeKind.Skipped, ReplyFields.EpochGone(node));
            }

            if (code is not (0 or 2))
            {
                return Failed(NodeOutcomeKind.Failed, ListReplyParser.ScriptError(code, items, key, node, typeName));
            }

            // 1: the node is refilling after a restart; 2: its copy does not match its meta (evicted): not counted.
            var flag = (long)items[1];
            var counts = flag == 0;
            var notCounted = flag switch
            {
                0 => null,
                1 => ReplyFields.EpochFilling(node),
                _ => new AnarchoRedisException($"Node {node}'s copy of list '{key}' does not match its meta (elements or tombstones evicted, or edited outside AnarchoRedis): its answer does not count until a repair.", key),
            };
            if (claim)
            {
                var skipped = items.Length > 4 ? (long)items[4] : 0;
                var outcome = new NodeOutcome(string.Empty, counts ? NodeOutcomeKind.Applied : NodeOutcomeKind.Skipped, null, notCounted);
                var bytes = (byte[]?)items[3];
                if (bytes is null || bytes.Length == 0)
                {
                    return new ClaimReply(counts, default, null, false, outcome) { Skipped = skipped };
                }

                if (!ListEnvelope.TryDecode(bytes, out var element))
                {
                    return Failed(NodeOutcomeKind.Failed, new ForeignListDataException(key, node, "the claimed element is not a list envelope"));
                }

                return new ClaimReply(counts, element, element.Id, false, outcome) { Skipped = skipped };
            }

            if (code == 2)
            {
                var reason = (string?)items[2] == "gone"
                    ? "the element was removed there already (another pop took it, or a removal or delete reached it)"
                    : "this pop's claim is not there (it lapsed and another popper claimed the element)";
                return new ClaimReply(counts, default, null, false, new NodeOutcome(string.Empty, NodeOutcomeKind.Failed, null, new AnarchoRedisException($"Node {node} refused to take the element of list '{key}': {reason}.", key)));
            }

            return new ClaimReply(counts, default, null, true, new NodeOutcome(string.Empty, NodeOutcomeKind.Applied, null, notCounted));
        }
    }

    /// <summary>What a round had when it was decided, and the round (whose late replies still come).</summary>
    private sealed record RoundResult(ClaimReply[] Replies, bool[] Arrived, PopRound Round);

    /// <summary>
    /// One fan-out of list_claim.lua: every asked node's reply, and a decision that completes as soon as
    /// <c>decided(replies, arrived, pending)</c> says so, or every asked node answered.
    /// </summary>
    private sealed class PopRound
    {
        private readonly TaskCompletionSource _decision = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource<ClaimReply>[] _each;
        private readonly ClaimReply[] _replies;
        private readonly bool[] _arrived;
        private readonly Func<ClaimReply[], bool[], int, bool> _decided;
        private int _pending;

        public PopRound(int count, Func<ClaimReply[], bool[], int, bool> decided)
        {
            _decided = decided;
            _replies = new ClaimReply[count];
            _arrived = new bool[count];
            _each = new TaskCompletionSource<ClaimReply>[count];
            for (var i = 0; i < count; i++)
            {
                _each[i] = new TaskCompletionSource<ClaimReply>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        /// <summary>The node's reply when it comes (a node not asked never answers).</summary>
        public Task<ClaimReply> WhenArrived(int index) => _each[index].Task;

        public async Task<RoundResult> RunAsync(ListPopper owner, string key, RedisKey[] keys, RedisValue[] args, string typeName, bool parseClaim, bool[]? asked = null)
        {
            var nodes = owner._nodes.Nodes;
            var count = _replies.Length;
            lock (this)
            {
                for (var i = 0; i < count; i++)
                {
                    _pending += asked is null || asked[i] ? 1 : 0;
                }
            }

            if (_pending > 0)
            {
                for (var i = 0; i < count; i++)
                {
                    if (asked is null || asked[i])
                    {
                        _ = NodeCall.RunAsync<ClaimReply, Step>(nodes[i], new Step(this, key, keys, args, typeName, parseClaim));
                    }
                }

                await _decision.Task.ConfigureAwait(false);
            }

            lock (this)
            {
                // A snapshot: replies arriving later do not change what was decided.
                return new RoundResult((ClaimReply[])_replies.Clone(), (bool[])_arrived.Clone(), this);
            }
        }

        private void OnReply(int index, ClaimReply reply)
        {
            lock (this)
            {
                _replies[index] = reply;
                _arrived[index] = true;
                _pending--;
                if (!_decision.Task.IsCompleted && (_pending == 0 || _decided(_replies, _arrived, _pending)))
                {
                    _decision.TrySetResult();
                }
            }

            _each[index].TrySetResult(reply);
        }

        private readonly struct Step(PopRound round, string key, RedisKey[] keys, RedisValue[] args, string typeName, bool claim) : INodeStep<ClaimReply>
        {
            public LuaScript Script => LuaScript.ListClaim;

            public RedisKey[] Keys => keys;

            public RedisValue[] Args => args;

            public ClaimReply Parse(ReplicaNode node, RedisResult result)
            {
                var reply = ClaimReply.Parse(result, key, node.Name, typeName, claim);
                if (reply.Counts && !node.CountsForReads(keys, out var reason))
                {
                    reply = reply with { Counts = false, Outcome = reply.Outcome with { Kind = reply.Taken ? NodeOutcomeKind.Applied : NodeOutcomeKind.Skipped, Error = reason } };
                }

                return reply;
            }

            public ClaimReply Failed(ReplicaNode node, NodeOutcomeKind kind, Exception error) => ClaimReply.Failed(kind, error);

            public void Complete(ReplicaNode node, ClaimReply reply) => round.OnReply(node.Index, reply);
        }
    }
}

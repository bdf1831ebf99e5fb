using System;
using System.Collections.Generic;
using System.Linq;
using AnarchoRedis.Jepsen.History;

namespace AnarchoRedis.Jepsen.Checking;

/// <summary>
/// The queue workload's rules (<see cref="OpFunction.QueuePush"/>, <see cref="OpFunction.QueuePop"/>, the nodes'
/// <see cref="NodeSnapshot.Queues"/>): every element is unique, so each pushed element must end up returned by exactly one
/// ok pop or held by every node at the end.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>Duplicates</b>: an element returned by two ok pops (or twice by one popper). The exactly-once pops promise
/// none, indeterminate pops included (an indeterminate pop returned nothing to anyone).</item>
/// <item><b>Lost</b>: an acknowledged push whose element no ok pop returned and some node lacks at the end. An exactly-once
/// pop that fails after its take began (indeterminate) may have removed its element without returning it, so per queue
/// such elements are first matched to the indeterminate pops that may have taken them (a pop that completed before the
/// push began cannot have; each pop at most one element): the matched ones are <i>possibly consumed</i> (reported, not a
/// violation), the rest are lost.</item>
/// <item><b>Popped but never pushed</b>: an ok pop returned an element no push of that queue invoked, whose push
/// definitely failed, or whose push began only after the pop completed.</item>
/// <item><b>Popped but still held</b>: a node holds at the end an element an ok pop returned.</item>
/// <item><b>Unexpected</b>: a node holds an element no push of that queue invoked (or whose push definitely failed), or
/// holds one twice.</item>
/// </list>
/// The replica comparison (<see cref="CheckResult.ReplicaDifferences"/>) covers the queues' keys as every other key.
/// </remarks>
public static class QueueCheck
{
    public static void Check(IReadOnlyList<Operation> history, IReadOnlyList<NodeSnapshot> nodes, CheckResult result)
    {
        var pushes = new Dictionary<string, Operation>(StringComparer.Ordinal);
        var pops = new List<Operation>();
        foreach (var op in history)
        {
            if (op.F == OpFunction.QueuePush && op.Input is not null)
            {
                pushes[op.Input] = op;
            }
            else if (op.F == OpFunction.QueuePop)
            {
                pops.Add(op);
            }
        }

        if (pushes.Count == 0 && pops.Count == 0 && nodes.All(n => n.Queues.Count == 0))
        {
            return;
        }

        var returned = pops.Where(p => p.IsOk && p.ReadValue is not null).ToList();
        var indeterminate = pops.Where(p => p.Outcome == OpType.Info).ToList();
        result.QueuePushesAcknowledged = pushes.Values.Count(p => p.IsOk);
        result.QueuePops = returned.Count;
        result.QueueEmptyPops = pops.Count(p => p.IsOk && p.ReadValue is null);
        result.QueueIndeterminatePops = indeterminate.Count;

        // Element → the ok pops that returned it.
        var poppedBy = returned.GroupBy(p => p.ReadValue!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var (element, by) in poppedBy)
        {
            if (by.Count > 1)
            {
                result.QueueDuplicates.Add(new Anomaly(by[0].Key, null, $"{element} returned by {by.Count} pops: {string.Join(", ", by.Select(Describe))}"));
            }

            var pop = by[0];
            if (!pushes.TryGetValue(element, out var push) || push.Key != pop.Key)
            {
                result.QueuePoppedNeverPushed.Add(new Anomaly(pop.Key, null, $"{element} returned by {Describe(pop)}, never pushed onto this queue"));
            }
            else if (push.Outcome == OpType.Fail)
            {
                result.QueuePoppedNeverPushed.Add(new Anomaly(pop.Key, null, $"{element} returned by {Describe(pop)}, but its push was reported as definitely failed ({push.Error})"));
            }
            else if (by.FirstOrDefault(p => p.CompleteTime < push.InvokeTime) is { } early)
            {
                result.QueuePoppedNeverPushed.Add(new Anomaly(pop.Key, null, $"{element} returned by {Describe(early)}, which completed at {early.CompleteTime}, before its push began at {push.InvokeTime}"));
            }
        }

        // What every node holds at the end.
        var held = new List<(string Node, Dictionary<string, HashSet<string>> Queues)>();
        var left = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var queues = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var (key, elements) in node.Queues)
            {
                var seen = queues[key] = new HashSet<string>(StringComparer.Ordinal);
                foreach (var element in elements)
                {
                    left.Add(element);
                    if (!seen.Add(element))
                    {
                        result.QueueUnexpectedElements.Add(new Anomaly(key, node.Name, $"{element} is held more than once"));
                    }
                    else if (!pushes.TryGetValue(element, out var push) || push.Key != key)
                    {
                        result.QueueUnexpectedElements.Add(new Anomaly(key, node.Name, $"{element} was never pushed onto this queue"));
                    }
                    else if (push.Outcome == OpType.Fail)
                    {
                        result.QueueUnexpectedElements.Add(new Anomaly(key, node.Name, $"{element} is held but its push was reported as definitely failed ({push.Error})"));
                    }
                    else if (poppedBy.TryGetValue(element, out var by))
                    {
                        result.QueuePoppedStillHeld.Add(new Anomaly(key, node.Name, $"{element} is held, but {Describe(by[0])} returned it"));
                    }
                }
            }

            held.Add((node.Name, queues));
        }

        result.QueueElementsLeft = left.Count;

        // Acknowledged pushes neither returned by a pop nor held by every node, per queue in push order.
        var unaccounted = new Dictionary<string, List<(Operation Push, string Missing)>>(StringComparer.Ordinal);
        foreach (var push in pushes.Values.Where(p => p.IsOk).OrderBy(p => p.InvokeTime))
        {
            // Only a pop of its queue that had not completed before the push began can have returned it.
            if (poppedBy.TryGetValue(push.Input!, out var by) && by.Any(p => p.Key == push.Key && p.CompleteTime >= push.InvokeTime))
            {
                continue;
            }

            var missing = nodes.Count == 0
                ? ["every node"]
                : held.Where(h => !h.Queues.TryGetValue(push.Key, out var elements) || !elements.Contains(push.Input!)).Select(h => h.Node).ToList();
            if (missing.Count > 0)
            {
                (unaccounted.TryGetValue(push.Key, out var list) ? list : unaccounted[push.Key] = new()).Add((push, string.Join(", ", missing)));
            }
        }

        var indeterminateByKey = indeterminate.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var (key, elements) in unaccounted)
        {
            // An indeterminate pop may have taken an element whose push began before the pop completed (a pop with no
            // completion: any). Those sets are nested (a later deadline admits every element an earlier one does), so
            // handing each pop, by deadline, the earliest element it may have taken matches as many as can be.
            var candidates = indeterminateByKey.GetValueOrDefault(key)?.OrderBy(p => p.CompleteTime ?? long.MaxValue).ToList() ?? [];
            var matchedBy = new Operation?[elements.Count];
            var next = 0;
            foreach (var pop in candidates)
            {
                var deadline = pop.CompleteTime ?? long.MaxValue;
                if (next < elements.Count && elements[next].Push.InvokeTime < deadline)
                {
                    matchedBy[next++] = pop;
                }
            }

            for (var i = 0; i < elements.Count; i++)
            {
                var (push, missing) = elements[i];
                var what = $"{push.Input} (pushed {push.Side} at {push.Version}, acknowledged at {push.CompleteTime}) was returned by no pop and is missing on {missing}";
                if (matchedBy[i] is { } pop)
                {
                    result.QueuePossiblyConsumed.Add(new Anomaly(key, null, $"{what}: possibly consumed by the indeterminate {Describe(pop)} ({pop.Error ?? "no completion"})"));
                }
                else
                {
                    result.QueueLost.Add(new Anomaly(key, null, $"{what}, and no indeterminate pop of this queue is left to explain it ({candidates.Count} in all)"));
                }
            }
        }
    }

    private static string Describe(Operation pop) =>
        $"pop p{pop.Process}c{pop.Client} op {pop.Id} ({pop.Side}, invoked {pop.InvokeTime}, {pop.Outcome})";
}

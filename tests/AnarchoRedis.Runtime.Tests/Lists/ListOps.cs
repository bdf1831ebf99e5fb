using System.Collections.Generic;
using System.Linq;

namespace AnarchoRedis.Runtime.Tests.Lists;

/// <summary>A list operation as a node receives it: a push (one or several elements), a removal by id, a delete.</summary>
internal abstract record ListOp
{
    public abstract ListReplicaState ApplyTo(ListReplicaState state);
}

internal sealed record PushOp(ListElement[] Elements) : ListOp
{
    public override ListReplicaState ApplyTo(ListReplicaState state) => Elements.Aggregate(state, (s, e) => s.ApplyPush(e));

    public override string ToString() => $"Push {(char)Elements[0].Side} [{string.Join(" ", Elements.Select(e => e.Id.ToString()))}]";
}

internal sealed record RemoveOp(ReplicatedVersion Id, long RemovedAt) : ListOp
{
    public override ListReplicaState ApplyTo(ListReplicaState state) => state.ApplyRemove(Id, RemovedAt);

    public override string ToString() => $"Remove {Id} at {RemovedAt}";
}

internal sealed record DeleteOp(ReplicatedVersion Version) : ListOp
{
    public override ListReplicaState ApplyTo(ListReplicaState state) => state.ApplyDelete(Version);

    public override string ToString() => $"Delete {Version}";
}

internal static class ListOps
{
    public static ListReplicaState Apply(IEnumerable<ListOp> ops, ListReplicaState? start = null) =>
        ops.Aggregate(start ?? ListReplicaState.Empty, (state, op) => op.ApplyTo(state));

    public static bool IsStrictlyCanonical(IReadOnlyList<ListElement> elements)
    {
        for (var i = 1; i < elements.Count; i++)
        {
            if (CanonicalListOrder.Instance.Compare(elements[i - 1], elements[i]) >= 0)
            {
                return false;
            }
        }

        return true;
    }
}

using System.Collections.Generic;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Replication;

/// <summary>What a repair writes back: the merge of the replies, with the expiry of the newest push.</summary>
public sealed class ListMergedReplicasTests
{
    private const long Now = 1_000_000;

    private static readonly ReplicatedVersion First = new(10, 1);
    private static readonly ReplicatedVersion Second = new(20, 1);

    private static ListElement Element(ReplicatedVersion id) => new(id, ListSide.Right, new byte[] { 0xC0 });

    private static ListReadReply Reply(ReplicatedVersion expiryVersion, long expiresAt, ReplicatedVersion deletedUpTo = default, params ReplicatedVersion[] ids)
    {
        var elements = new ListElement[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            elements[i] = Element(ids[i]);
        }

        var state = new ListReplicaState(elements, new Dictionary<ReplicatedVersion, long>(), deletedUpTo);
        return new ListReadReply(true, expiryVersion, state.Count, state.Digest, deletedUpTo, expiresAt, elements, null, ReplicatedVersion.Zero, expiryVersion, expiryVersion, default, null);
    }

    [Fact]
    public void A_replica_that_expired_under_an_older_push_removes_nothing()
    {
        // Node A expired under the first push's expiry; node B holds both elements under the second push's, an hour on.
        var expired = Reply(First, Now - 1);
        var renewed = Reply(Second, Now + 3_600_000, default, First, Second);

        var merge = ListMergedReplicas.Of([expired, renewed], Now);

        Assert.Equal([First, Second], [merge.Merged.Elements[0].Id, merge.Merged.Elements[1].Id]);
        Assert.Equal(Second, merge.ExpiryVersion);
        Assert.Equal(Now + 3_600_000, merge.ExpiresAt);
        Assert.False(merge.IsHeldBy(expired));
        Assert.True(merge.IsHeldBy(renewed));
    }

    [Fact]
    public void The_newest_push_expiry_once_passed_empties_the_merge_even_over_a_copy_that_lived_on()
    {
        // A node whose clock lags still holds the elements after the winning expiry.
        var lagging = Reply(Second, Now - 1, default, First, Second);

        var merge = ListMergedReplicas.Of([lagging, Reply(Second, Now - 1)], Now);

        Assert.Empty(merge.Merged.Elements);
        Assert.Equal(Now - 1, merge.ExpiresAt);
    }

    [Fact]
    public void A_delete_that_covers_the_push_that_set_the_expiry_clears_it()
    {
        var merge = ListMergedReplicas.Of([Reply(First, Now + 5_000, Second)], Now);

        Assert.Equal(0, merge.ExpiresAt);
        Assert.True(merge.ExpiryVersion.IsZero);
    }

    [Fact]
    public void A_late_reply_with_a_newer_expiry_takes_it_over()
    {
        var merge = ListMergedReplicas.Of([Reply(First, Now + 1_000, default, First)], Now)
            .With(Reply(Second, 0, default, First, Second), Now);

        Assert.Equal(2, merge.Merged.Count);
        Assert.Equal(0, merge.ExpiresAt);
        Assert.Equal(Second, merge.ExpiryVersion);
    }
}

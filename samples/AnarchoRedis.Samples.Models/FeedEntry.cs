using AnarchoRedis;

namespace AnarchoRedis.Samples.Models;

/// <summary>One entry of an activity feed, stored in the replicated list <c>feed:{Feed}</c>.</summary>
/// <remarks>
/// The AnarchoRedis source generator emits <c>IFeedEntryListRepository</c>/<c>FeedEntryListRepository</c> for it
/// (push, range, pop, remove, trim, delete), and registers it with the other types of this assembly.
/// </remarks>
[ReplicatedList("feed:{Feed}", Name = "samples.feed")]
public sealed class FeedEntry
{
    public string Feed { get; set; } = string.Empty;

    public string Text { get; set; } = string.Empty;

    public override string ToString() => $"FeedEntry {{ Feed = {Feed}, Text = {Text} }}";
}

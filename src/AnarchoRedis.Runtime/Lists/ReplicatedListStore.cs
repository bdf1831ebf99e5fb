using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace AnarchoRedis;

/// <summary>
/// Replicated lists of <typeparamref name="T"/> elements, one list per key: pushes from any client are all kept,
/// in one canonical order on every node, and removed elements never come back. Generated list repositories are thin
/// typed wrappers over this. Obtain one from <see cref="AnarchoRedisClient.GetListStore{T}(ReplicatedListDescriptor{T})"/>.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public sealed class ReplicatedListStore<T>
    where T : class
{
    private readonly ListWriter _writer;
    private readonly ListReader _reader;
    private readonly ListPopper _popper;
    private readonly ValueCodec<T> _codec;

    internal ReplicatedListStore(ListWriter writer, ListReader reader, ListPopper popper, ValueCodec<T> codec, ReplicatedListDescriptor<T> descriptor)
    {
        Descriptor = descriptor;
        _writer = writer;
        _reader = reader;
        _popper = popper;
        _codec = codec;
    }

    /// <summary>The type's descriptor.</summary>
    public ReplicatedListDescriptor<T> Descriptor { get; }

    /// <summary>Pushes one element at the head (like LPUSH).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="item">The element.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (a write already sent may still take effect: indeterminate).</param>
    /// <returns>The push's version and the list's length on the acknowledging nodes.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes acknowledged (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    /// <exception cref="ValueTooLargeException">A serialized element exceeds <see cref="AnarchoRedisOptions.MaxValueBytes"/>.</exception>
    public ValueTask<ListWriteResult> PushLeftAsync(string key, T item, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        return _writer.PushAsync(Descriptor, key, ListSide.Left, [_codec.Encode(key, item)], options, cancellationToken, MaxLength);
    }

    /// <summary>Pushes several elements at the head, like <c>LPUSH key a b c</c>: the last one ends first.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="items">The elements.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (a write already sent may still take effect: indeterminate).</param>
    /// <returns>The push's version and the list's length on the acknowledging nodes.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes acknowledged (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    /// <exception cref="ValueTooLargeException">A serialized element exceeds <see cref="AnarchoRedisOptions.MaxValueBytes"/>.</exception>
    public ValueTask<ListWriteResult> PushLeftAsync(string key, IEnumerable<T> items, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        return _writer.PushAsync(Descriptor, key, ListSide.Left, Encode(key, items), options, cancellationToken, MaxLength);
    }

    /// <summary>Pushes one element at the tail (like RPUSH).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="item">The element.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (a write already sent may still take effect: indeterminate).</param>
    /// <returns>The push's version and the list's length on the acknowledging nodes.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes acknowledged (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    /// <exception cref="ValueTooLargeException">A serialized element exceeds <see cref="AnarchoRedisOptions.MaxValueBytes"/>.</exception>
    public ValueTask<ListWriteResult> PushRightAsync(string key, T item, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        return _writer.PushAsync(Descriptor, key, ListSide.Right, [_codec.Encode(key, item)], options, cancellationToken, MaxLength);
    }

    /// <summary>Pushes several elements at the tail, like <c>RPUSH key a b c</c>.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="items">The elements.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait (a write already sent may still take effect: indeterminate).</param>
    /// <returns>The push's version and the list's length on the acknowledging nodes.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes acknowledged (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    /// <exception cref="ValueTooLargeException">A serialized element exceeds <see cref="AnarchoRedisOptions.MaxValueBytes"/>.</exception>
    public ValueTask<ListWriteResult> PushRightAsync(string key, IEnumerable<T> items, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        return _writer.PushAsync(Descriptor, key, ListSide.Right, Encode(key, items), options, cancellationToken, MaxLength);
    }

    /// <summary>Reads elements <paramref name="start"/>..<paramref name="stop"/> with LRANGE index semantics (negative indexes count from the tail).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="start">The first index.</param>
    /// <param name="stop">The last index, inclusive.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The elements; empty when the list is absent.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than R nodes answered (a node with foreign or corrupt data does not count).</exception>
    /// <exception cref="ValueDecodeException">An element cannot be decoded as <typeparamref name="T"/>.</exception>
    public async ValueTask<IReadOnlyList<T>> RangeAsync(string key, long start = 0, long stop = -1, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var elements = await _reader.RangeAsync(Descriptor, key, start, stop, _reader.RequiredForRead(Descriptor, options), _reader.RepairMode(options), _reader.FanOut(options), cancellationToken).ConfigureAwait(false);
        var result = new T[elements.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Decode(key, elements[i]);
        }

        return result;
    }

    /// <summary>The number of elements.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The length; 0 when the list is absent.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than R nodes answered (a node with foreign or corrupt data does not count).</exception>
    public ValueTask<long> LengthAsync(string key, ReadOptions? options = null, CancellationToken cancellationToken = default)
    {
        return _reader.LengthAsync(Descriptor, key, _reader.RequiredForRead(Descriptor, options), _reader.RepairMode(options), _reader.FanOut(options), cancellationToken);
    }

    /// <summary>Removes and returns the head: a quorum read of the canonical head, then its removal by id (at-least-once under concurrent pops).</summary>
    /// <remarks>
    /// Nodes never agree on a pop: two clients popping at once can read the same head and both return it (the removal
    /// by id is idempotent, so it is removed once). Use it for work queues whose consumers tolerate a repeat.
    /// </remarks>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The element, or <see langword="null"/> when the list is empty.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes answered the read that comes first (nothing was removed: not indeterminate, and <see cref="QuorumNotReachedException.Operation"/> names the read), or acknowledged the removal (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    /// <exception cref="ValueDecodeException">An element cannot be decoded as <typeparamref name="T"/>.</exception>
    public ValueTask<T?> PopLeftAsync(string key, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        return PopAsync(key, 0, options, cancellationToken);
    }

    /// <summary>Removes and returns the tail (at-least-once under concurrent pops).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The element, or <see langword="null"/> when the list is empty.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes answered the read that comes first (nothing was removed: not indeterminate, and <see cref="QuorumNotReachedException.Operation"/> names the read), or acknowledged the removal (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    /// <exception cref="ValueDecodeException">An element cannot be decoded as <typeparamref name="T"/>.</exception>
    public ValueTask<T?> PopRightAsync(string key, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        return PopAsync(key, -1, options, cancellationToken);
    }

    /// <summary>
    /// Removes and returns the head, handing each element to at most one caller of the exactly-once pops
    /// (<see cref="PopLeftOnceAsync"/>, <see cref="PopRightOnceAsync"/>), however many pop at once: a work queue.
    /// </summary>
    /// <remarks>
    /// <para>The pop claims the head on every node and takes it only with a quorum Q of claims and then of takes (Q: a
    /// majority of the nodes, or W when larger); each node lets an element be taken once, and two quorums share a node
    /// (docs/lists.md, "Exactly-once pops"). Two round trips when nobody else pops; concurrent poppers each take the
    /// next element not claimed by another.</para>
    /// <para>Where it ends: it holds among exactly-once pops (a plain pop, remove or trim ignores claims), and while fewer
    /// than Q nodes lose their data between anti-entropy passes. An element is never returned twice, but it can be lost
    /// without being returned when the pop fails after its take began (a <see cref="QuorumNotReachedException"/> with
    /// <see cref="QuorumNotReachedException.IsIndeterminate"/> set, or a cancellation then).</para>
    /// </remarks>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options (W raises Q), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The element, or <see langword="null"/> when no element could be claimed (the list is empty, or every element is being popped by another caller).</returns>
    /// <exception cref="PopContendedException">Concurrent poppers split the claims in every one of <see cref="AnarchoRedisOptions.PopClaimAttempts"/> rounds; nothing was popped.</exception>
    /// <exception cref="QuorumNotReachedException">Fewer than Q nodes answered the claims (nothing popped, not indeterminate), or took the element (indeterminate when any removed it).</exception>
    /// <exception cref="ValueDecodeException">The element cannot be decoded as <typeparamref name="T"/> (it was popped).</exception>
    public ValueTask<T?> PopLeftOnceAsync(string key, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PopOnceAsync(key, ListSide.Left, options, cancellationToken);

    /// <summary>Removes and returns the tail, handing each element to at most one caller of the exactly-once pops (see <see cref="PopLeftOnceAsync"/>).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options (W raises Q), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The element, or <see langword="null"/> when no element could be claimed.</returns>
    /// <exception cref="PopContendedException">Concurrent poppers split the claims in every round; nothing was popped.</exception>
    /// <exception cref="QuorumNotReachedException">Fewer than Q nodes answered the claims, or took the element (indeterminate when any removed it).</exception>
    /// <exception cref="ValueDecodeException">The element cannot be decoded as <typeparamref name="T"/> (it was popped).</exception>
    public ValueTask<T?> PopRightOnceAsync(string key, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        PopOnceAsync(key, ListSide.Right, options, cancellationToken);

    /// <summary>Removes every element equal to <paramref name="item"/> (same serialized bytes).</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="item">The element to remove.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>How many elements were removed.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes answered the read that comes first (nothing was removed: not indeterminate, and <see cref="QuorumNotReachedException.Operation"/> names the read), or acknowledged the removal (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    /// <exception cref="ValueTooLargeException">A serialized element exceeds <see cref="AnarchoRedisOptions.MaxValueBytes"/>.</exception>
    public async ValueTask<long> RemoveAsync(string key, T item, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var payload = _codec.Encode(key, item);
        using var span = AnarchoRedisTracing.StartCall("lrem", Descriptor.Name, AnarchoRedisTracing.ListKind);
        try
        {
            var required = _writer.RequiredForWrite(Descriptor, options);
            var merged = await _reader.ReadMergedAsync(Descriptor, key, required, cancellationToken).ConfigureAwait(false);
            var ids = new List<ReplicatedVersion>();
            foreach (var element in merged.Elements)
            {
                if (element.Payload.Span.SequenceEqual(payload))
                {
                    ids.Add(element.Id);
                }
            }

            if (ids.Count > 0)
            {
                await _writer.RemoveIdsAsync("lrem", Descriptor, key, ids, required, cancellationToken).ConfigureAwait(false);
            }

            AnarchoRedisTracing.Outcome(span, "ok");
            span?.SetTag("anarchoredis.list.removed", ids.Count);
            return ids.Count;
        }
        catch (Exception ex) when (AnarchoRedisTracing.Failed(span, ex))
        {
            throw; // Never reached: the filter records the failure on the span and declines.
        }
    }

    /// <summary>Keeps only elements <paramref name="start"/>..<paramref name="stop"/>, with LTRIM semantics.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="start">The first index kept.</param>
    /// <param name="stop">The last index kept, inclusive.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The trim's version and the resulting length.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes answered the read that comes first (nothing was removed: not indeterminate, and <see cref="QuorumNotReachedException.Operation"/> names the read), or acknowledged the removal (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    public async ValueTask<ListWriteResult> TrimAsync(string key, long start, long stop, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var span = AnarchoRedisTracing.StartCall("ltrim", Descriptor.Name, AnarchoRedisTracing.ListKind);
        try
        {
            var required = _writer.RequiredForWrite(Descriptor, options);
            var merged = await _reader.ReadMergedAsync(Descriptor, key, required, cancellationToken).ConfigureAwait(false);
            var removed = ListMerge.TrimmedOut(merged.Elements, start, stop);
            var ids = new ReplicatedVersion[removed.Count];
            for (var i = 0; i < ids.Length; i++)
            {
                ids[i] = removed[i].Id;
            }

            // Even an empty trim is a write: it makes a version and confirms the list on W nodes.
            var result = await _writer.RemoveIdsAsync("ltrim", Descriptor, key, ids, required, cancellationToken).ConfigureAwait(false);
            AnarchoRedisTracing.Outcome(span, "ok");
            return result;
        }
        catch (Exception ex) when (AnarchoRedisTracing.Failed(span, ex))
        {
            throw; // Never reached: the filter records the failure on the span and declines.
        }
    }

    /// <summary>
    /// Keeps only the <paramref name="count"/> newest elements (highest ids: ids are versions, so the most recently
    /// pushed by the clocks of the pushing clients), whatever side they were pushed at. Unlike <see cref="TrimAsync"/>,
    /// it leaves no tombstone per element: it raises the list's floor (its deleted-up-to watermark) to the id of the
    /// newest element it drops, one field merged by max on every node.
    /// </summary>
    /// <remarks>
    /// The floor is computed from a quorum read of the merged list (W answers). Pushes concurrent with the trim whose ids
    /// are above the floor survive it. A push whose ids are at or below the floor arrives dead and is dropped on every
    /// node: a client whose clock lags by more than the list's turnover pushes elements that are not among the newest.
    /// When the list holds at most <paramref name="count"/> elements nothing is written: the result's
    /// <see cref="ListWriteResult.Version"/> is <see cref="ReplicatedVersion.Zero"/> and its acknowledgement count is
    /// the W answers the read merged.
    /// </remarks>
    /// <param name="key">The logical key.</param>
    /// <param name="count">How many of the newest elements to keep; 0 empties the list (up to its newest element).</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The trim's version and the list's length after it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes answered the read that comes first (nothing was written: not indeterminate, and <see cref="QuorumNotReachedException.Operation"/> names the read), or acknowledged the floor (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    public async ValueTask<ListWriteResult> TrimToNewestAsync(string key, long count, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        using var span = AnarchoRedisTracing.StartCall("ltrimnewest", Descriptor.Name, AnarchoRedisTracing.ListKind);
        try
        {
            var required = _writer.RequiredForWrite(Descriptor, options);
            var merged = await _reader.ReadMergedAsync(Descriptor, key, required, cancellationToken).ConfigureAwait(false);
            ListWriteResult result;
            if (ListMerge.FloorKeepingNewest(merged.Elements, count) is { } floor)
            {
                result = await _writer.RaiseFloorAsync(Descriptor.Name, key, floor, emptied: count == 0, required, cancellationToken).ConfigureAwait(false);
                span?.SetTag("anarchoredis.list.removed", merged.Count - count);
            }
            else
            {
                result = new ListWriteResult(ReplicatedVersion.Zero, merged.Count, required, required);
                span?.SetTag("anarchoredis.list.removed", 0);
            }

            AnarchoRedisTracing.Outcome(span, "ok");
            return result;
        }
        catch (Exception ex) when (AnarchoRedisTracing.Failed(span, ex))
        {
            throw; // Never reached: the filter records the failure on the span and declines.
        }
    }

    /// <summary>Deletes the whole list: every element pushed before the delete is gone on every node, later pushes start a new list.</summary>
    /// <param name="key">The logical key.</param>
    /// <param name="options">Per-call options, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The delete's version and acknowledgement count.</returns>
    /// <exception cref="QuorumNotReachedException">Fewer than W nodes acknowledged (indeterminate when some applied or timed out; see <see cref="QuorumNotReachedException.IsIndeterminate"/>).</exception>
    /// <exception cref="OperationCanceledException">The wait was cancelled after the write was sent: the outcome is indeterminate (the write may take effect, or have taken effect, on any node).</exception>
    public ValueTask<WriteResult> DeleteAsync(string key, WriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        return _writer.DeleteAsync(Descriptor, key, options, cancellationToken);
    }

    private async ValueTask<T?> PopAsync(string key, long index, WriteOptions? options, CancellationToken cancellationToken)
    {
        using var span = AnarchoRedisTracing.StartCall(index == 0 ? "lpop" : "rpop", Descriptor.Name, AnarchoRedisTracing.ListKind);
        try
        {
            var required = _writer.RequiredForWrite(Descriptor, options);
            var elements = await _reader.RangeAsync(Descriptor, key, index, index, required, ReadRepairMode.Blocking, ReadFanOut.All, cancellationToken).ConfigureAwait(false);
            if (elements.Count == 0)
            {
                AnarchoRedisTracing.Outcome(span, "ok");
                span?.SetTag("anarchoredis.list.removed", 0);
                return null;
            }

            var element = elements[0];
            var item = Decode(key, element);
            await _writer.RemoveIdsAsync(index == 0 ? "lpop" : "rpop", Descriptor, key, [element.Id], required, cancellationToken).ConfigureAwait(false);
            AnarchoRedisTracing.Outcome(span, "ok");
            span?.SetTag("anarchoredis.list.removed", 1);
            return item;
        }
        catch (Exception ex) when (AnarchoRedisTracing.Failed(span, ex))
        {
            throw; // Never reached: the filter records the failure on the span and declines.
        }
    }

    private async ValueTask<T?> PopOnceAsync(string key, ListSide side, WriteOptions? options, CancellationToken cancellationToken)
    {
        var element = await _popper.PopOnceAsync(Descriptor, key, side, _popper.QuorumFor(Descriptor, options), cancellationToken).ConfigureAwait(false);
        return element is { } popped ? Decode(key, popped) : default;
    }

    private int MaxLength => Descriptor.MaxLength ?? 0;

    private List<byte[]> Encode(string key, IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var payloads = new List<byte[]>();
        foreach (var item in items)
        {
            ArgumentNullException.ThrowIfNull(item, nameof(items));
            payloads.Add(_codec.Encode(key, item));
        }

        if (payloads.Count == 0)
        {
            throw new ArgumentException("At least one element must be pushed.", nameof(items));
        }

        return payloads;
    }

    private T Decode(string key, ListElement element)
    {
        try
        {
            return (T)_codec.Decode(element.Payload);
        }
        catch (MessagePack.MessagePackSerializationException ex)
        {
            throw new ValueDecodeException(key, "(quorum)", typeof(T), ex);
        }
    }
}

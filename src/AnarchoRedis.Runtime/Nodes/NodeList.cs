using System.Collections;
using System.Collections.Generic;

namespace AnarchoRedis;

/// <summary>
/// The nodes of a replica set, in configuration order. A read-only list like any other, except that <c>foreach</c>
/// over it uses a struct enumerator: every operation loops over the nodes to fan out, and over an
/// <see cref="IReadOnlyList{T}"/> that loop allocated an enumerator (32 bytes) whenever the JIT could not prove it
/// stays local (seen on the list read path).
/// </summary>
internal sealed class NodeList : IReadOnlyList<ReplicaNode>
{
    private readonly ReplicaNode[] _nodes;

    public NodeList(ReplicaNode[] nodes) => _nodes = nodes;

    public int Count => _nodes.Length;

    public ReplicaNode this[int index] => _nodes[index];

    public Enumerator GetEnumerator() => new(_nodes);

    IEnumerator<ReplicaNode> IEnumerable<ReplicaNode>.GetEnumerator() => ((IEnumerable<ReplicaNode>)_nodes).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _nodes.GetEnumerator();

    /// <summary>Enumerates the nodes without allocating.</summary>
    public struct Enumerator
    {
        private readonly ReplicaNode[] _nodes;
        private int _index;

        internal Enumerator(ReplicaNode[] nodes)
        {
            _nodes = nodes;
            _index = -1;
        }

        public readonly ReplicaNode Current => _nodes[_index];

        public bool MoveNext() => ++_index < _nodes.Length;
    }
}

namespace Capstan.Manifest.Validation;

/// <summary>Cycle finding over named dependencies (jobs' needs, environments' requires).</summary>
internal static class Graph
{
    /// <summary>
    /// One cycle per strongly connected component that has one, each as the list of nodes in dependency order with
    /// the first node repeated at the end (<c>build → test → build</c>). Nodes and edges are visited in the order given,
    /// so the same input always reports the same cycles.
    /// </summary>
    public static List<List<string>> FindCycles(IReadOnlyList<string> nodes, Func<string, IEnumerable<string>> edges)
    {
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            order.TryAdd(nodes[i], i);
        }
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var components = new List<HashSet<string>>();
        var counter = 0;

        // Tarjan's algorithm, iteratively, so that a long chain cannot overflow the stack.
        foreach (var root in nodes)
        {
            if (index.ContainsKey(root))
            {
                continue;
            }

            var work = new Stack<(string Node, IEnumerator<string> Next)>();
            Visit(root);
            while (work.Count > 0)
            {
                var (node, next) = work.Peek();
                if (next.MoveNext())
                {
                    var target = next.Current;
                    if (!order.ContainsKey(target))
                    {
                        continue;
                    }

                    if (!index.ContainsKey(target))
                    {
                        Visit(target);
                    }
                    else if (onStack.Contains(target))
                    {
                        low[node] = Math.Min(low[node], index[target]);
                    }

                    continue;
                }

                work.Pop();
                next.Dispose();
                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }

                if (low[node] == index[node])
                {
                    var component = new HashSet<string>(StringComparer.Ordinal);
                    string member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
                        component.Add(member);
                    }
                    while (member != node);
                    components.Add(component);
                }
            }

            void Visit(string node)
            {
                index[node] = low[node] = counter++;
                stack.Push(node);
                onStack.Add(node);
                work.Push((node, edges(node).GetEnumerator()));
            }
        }

        var cycles = new List<List<string>>();
        foreach (var component in components)
        {
            if (component.Count == 1 && !edges(component.First()).Contains(component.First(), StringComparer.Ordinal))
            {
                continue;
            }

            var start = component.MinBy(n => order[n])!;
            cycles.Add(CycleThrough(start, component, edges));
        }

        return [.. cycles.OrderBy(c => order[c[0]])];
    }

    /// <summary>A shortest path from <paramref name="start"/> back to itself inside its component.</summary>
    private static List<string> CycleThrough(string start, HashSet<string> component, Func<string, IEnumerable<string>> edges)
    {
        var previous = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(start);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            foreach (var target in edges(node))
            {
                if (!component.Contains(target))
                {
                    continue;
                }

                if (target == start)
                {
                    var path = new List<string> { start };
                    for (var n = node; n != start; n = previous[n])
                    {
                        path.Add(n);
                    }

                    path.Add(start);
                    path.Reverse();
                    return path;
                }

                if (previous.TryAdd(target, node))
                {
                    queue.Enqueue(target);
                }
            }
        }

        return [start, start];
    }
}

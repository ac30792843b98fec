package io.github.convnet4j.onnx;

import ai.onnx.proto.OnnxMl;
import io.github.convnet4j.io.ModelFormatException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The order in which a graph's nodes are translated: only those the output needs, each after the
 * nodes whose outputs it reads. Iterative (a 10,000-deep chain costs no stack); a value defined
 * twice, a value nothing defines and a cycle are each a ModelFormatException naming them.
 */
final class NodeOrder {
    private NodeOrder() {
    }

    /**
     * The nodes {@code output} depends on, producers before consumers (the file's order among equals);
     * {@code given} says which values the graph's inputs and initializers define.
     */
    static List<OnnxMl.NodeProto> of(String source, OnnxMl.GraphProto graph, String output, Predicate<String> given)
            throws ModelFormatException {
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            for (String v : graph.getNode(i).getOutputList()) {
                if (v.isEmpty()) {
                    continue;
                }
                Integer other = producer.put(v, i);
                if (other != null || given.test(v)) {
                    throw new ModelFormatException(source + ": value '" + v + "' is defined twice (node '"
                            + graph.getNode(i).getName() + "'" + (other != null ? " and node '"
                            + graph.getNode(other).getName() + "'" : " and a graph input or initializer") + ")");
                }
            }
        }
        Set<Integer> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(output));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            Integer p = producer.get(v);
            if (p == null) {
                if (!given.test(v)) {
                    throw new ModelFormatException(source + ": value '" + v + "' is read but no node, input or"
                            + " initializer defines it");
                }
                continue;
            }
            if (needed.add(p)) {
                for (String in : graph.getNode(p).getInputList()) {
                    if (!in.isEmpty()) {
                        todo.push(in);
                    }
                }
            }
        }
        Map<Integer, Integer> waiting = new HashMap<>();
        Map<Integer, List<Integer>> readers = new HashMap<>();
        for (int i : needed) {
            int count = 0;
            for (String in : graph.getNode(i).getInputList()) {
                Integer p = producer.get(in);
                if (p != null) {
                    count++;
                    readers.computeIfAbsent(p, k -> new ArrayList<>()).add(i);
                }
            }
            waiting.put(i, count);
        }
        PriorityQueue<Integer> ready = new PriorityQueue<>();
        waiting.forEach((i, c) -> {
            if (c == 0) {
                ready.add(i);
            }
        });
        List<OnnxMl.NodeProto> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            int i = ready.poll();
            order.add(graph.getNode(i));
            for (int r : readers.getOrDefault(i, List.of())) {
                if (waiting.merge(r, -1, Integer::sum) == 0) {
                    ready.add(r);
                }
            }
        }
        if (order.size() < needed.size()) {
            List<String> stuck = waiting.entrySet().stream().filter(e -> e.getValue() > 0).limit(5)
                    .map(e -> "'" + graph.getNode(e.getKey()).getName() + "' (" + graph.getNode(e.getKey()).getOpType()
                    + ")").toList();
            throw new ModelFormatException(source + ": the graph has a cycle through nodes " + stuck
                    + "; an ONNX graph must be acyclic");
        }
        return order;
    }
}

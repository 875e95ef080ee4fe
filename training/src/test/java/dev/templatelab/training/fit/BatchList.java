package dev.templatelab.training.fit;

import java.util.List;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/** Ready-made minibatches as a DataSetIterator (tests only). */
final class BatchList implements DataSetIterator {

    private final List<DataSet> batches;
    private int next;

    BatchList(List<DataSet> batches) {
        this.batches = List.copyOf(batches);
    }

    @Override
    public DataSet next(int num) {
        return next();
    }

    @Override
    public int inputColumns() {
        return (int) batches.get(0).getFeatures().size(1);
    }

    @Override
    public int totalOutcomes() {
        return (int) batches.get(0).getLabels().size(1);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        next = 0;
    }

    @Override
    public int batch() {
        return batches.get(0).numExamples();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        throw new UnsupportedOperationException();
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return null;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }

    @Override
    public boolean hasNext() {
        return next < batches.size();
    }

    @Override
    public DataSet next() {
        return batches.get(next++);
    }
}

package dev.templatelab.tuning.study;

class InMemoryStudyStorageTest extends StudyStorageContract {

    @Override
    protected StudyStorage newStorage() {
        return new InMemoryStudyStorage();
    }
}
